package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What clients see when a part of the gateway is down: OpenAI-shaped JSON, never nginx's HTML. */
@Integration
class NginxFaultsTest {
    static final String TOKEN = "sk-faults-0123456789";
    static final String CHAT = "{\"model\":\"vllm:llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    Gateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = Gateway.start(
                "[{\"token\":\"" + TOKEN + "\",\"label\":\"faults\",\"rpm\":1000000}]",
                Map.of("UPSTREAM_READ_TIMEOUT_SECONDS", "1"));
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void sidecarDownIs503WithRetryAfterAndRecoversWhenItIsBack() throws Exception {
        assertEquals(
                200,
                Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(TOKEN))
                        .statusCode());
        gw.stopSidecar();
        for (String path : new String[] {"/v1/chat/completions", "/v1/embeddings"}) {
            var r = Http.post(gw.url(path), CHAT, "Authorization", bearer(TOKEN));
            NginxGatewayTest.assertOpenAiError(r, 503, "authz_unavailable");
            assertEquals("5", r.headers().firstValue("retry-after").orElse(null));
        }
        NginxGatewayTest.assertOpenAiError(
                Http.get(gw.url("/v1/models"), "Authorization", bearer(TOKEN)), 503, "authz_unavailable");
        gw.restartSidecar();
        var back = Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(TOKEN));
        assertEquals(200, back.statusCode(), back.body());
    }

    @Test
    void sidecarKilledUnderLoadGives503JsonThenFullServiceWithoutAManualStep() throws Exception {
        var statuses = new java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder>();
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < 8; w++) {
                pool.submit(() -> {
                    while (!stop.get()) {
                        var r = Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(TOKEN));
                        String kind = r.statusCode()
                                + (r.statusCode() == 503
                                                && r.body().contains("\"code\":\"authz_unavailable\"")
                                                && r.headers()
                                                        .firstValue("retry-after")
                                                        .isPresent()
                                        ? " json+retry-after"
                                        : "");
                        statuses.computeIfAbsent(kind, k -> new java.util.concurrent.atomic.LongAdder())
                                .increment();
                    }
                    return null;
                });
            }
            Thread.sleep(500);
            gw.stopSidecar();
            Thread.sleep(1000);
            gw.restartSidecar();
            Thread.sleep(500);
            stop.set(true);
        }
        assertEquals(java.util.Set.of("200", "503 json+retry-after"), statuses.keySet(), statuses.toString());
        for (int i = 0; i < 20; i++) {
            assertEquals(
                    200,
                    Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(TOKEN))
                            .statusCode(),
                    "service is back");
        }
    }

    @Test
    void vllmTooSlowIs504JsonThroughNginxAndTheSidecar() throws Exception {
        String slow = CHAT.replace("vllm:llama3", "vllm:slow");
        long start = System.nanoTime();
        NginxGatewayTest.assertOpenAiError(
                Http.post(gw.url("/v1/chat/completions"), slow, "Authorization", bearer(TOKEN)),
                504,
                "backend_timeout");
        assertTrue(System.nanoTime() - start < 2_900_000_000L, "answered before vLLM did: the timeout applied");
        NginxGatewayTest.assertOpenAiError(
                Http.post(gw.sidecarUrl("/v1/chat/completions"), slow, "Authorization", bearer(TOKEN)),
                504,
                "backend_timeout");
        // Ollama answers a non-streamed call only when done (about 5 s for the slow model): past the 1 s timeout.
        String slowOllama = CHAT.replace("vllm:llama3", "ollama:slow");
        NginxGatewayTest.assertOpenAiError(
                Http.post(gw.url("/v1/chat/completions"), slowOllama, "Authorization", bearer(TOKEN)),
                504,
                "backend_timeout");
    }

    /** A vLLM that sends one event of a stream and then drops the connection: no last chunk, no [DONE]. */
    static java.net.ServerSocket dyingVllm() throws java.io.IOException {
        var server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try (var s = server.accept()) {
                    var in = new java.io.DataInputStream(s.getInputStream());
                    StringBuilder head = new StringBuilder();
                    while (!head.toString().endsWith("\r\n\r\n")) {
                        head.append((char) in.readByte());
                    }
                    var m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
                            .matcher(head);
                    in.readNBytes(m.find() ? Integer.parseInt(m.group(1)) : 0);
                    String event =
                            "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama3\","
                                    + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Par\"},\"finish_reason\":null}]}\n\n";
                    var out = s.getOutputStream();
                    out.write(
                            ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                                            + Integer.toHexString(event.length()) + "\r\n" + event + "\r\n")
                                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    out.flush();
                    s.setSoLinger(true, 0); // die: reset, no terminating chunk
                } catch (java.io.IOException e) {
                    // next
                }
            }
        });
        return server;
    }

    @Test
    void vllmDyingMidStreamIsNeverANormalEnd() throws Exception {
        String stream =
                "{\"model\":\"vllm:llama3\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        try (var dying = dyingVllm();
                Gateway g = Gateway.start(
                        "[{\"token\":\"" + TOKEN + "\",\"label\":\"faults\"}]",
                        Map.of("VLLM_BASE_URL", "http://127.0.0.1:" + dying.getLocalPort() + "/v1"))) {
            // Through nginx, which relays vLLM directly: the response breaks off, it does not end cleanly.
            var req = java.net.http.HttpRequest.newBuilder(g.url("/v1/chat/completions"))
                    .header("Authorization", bearer(TOKEN))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(stream))
                    .build();
            assertThrows(
                    java.io.IOException.class,
                    () -> Http.client().send(req, java.net.http.HttpResponse.BodyHandlers.ofString()),
                    "a broken stream read as complete");
            // The sidecar relaying vLLM itself: an error event, and no [DONE].
            var direct = Http.post(g.sidecarUrl("/v1/chat/completions"), stream, "Authorization", bearer(TOKEN));
            assertTrue(direct.body().contains("\"code\":\"backend_error\""), direct.body()); // reached, then failed
            assertFalse(direct.body().contains("[DONE]"), direct.body());
        }
    }

    @Test
    void vllmDownIs502Json() throws Exception {
        gw.vllm.close();
        var r = Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(TOKEN));
        NginxGatewayTest.assertOpenAiError(r, 502, "backend_unavailable");
        assertTrue(r.headers().firstValue("x-request-id").isPresent());
        // One backend down (as the next refresh finds) still lists the other's models; both down is a 502.
        gw.refreshModels();
        var models = Http.get(gw.url("/v1/models"), "Authorization", bearer(TOKEN));
        assertEquals(200, models.statusCode(), models.body());
        assertTrue(
                models.body().contains("\"ollama:llama3.2:latest\"")
                        && !models.body().contains("\"vllm:"),
                models.body());
        gw.ollama.close();
        gw.refreshModels();
        NginxGatewayTest.assertOpenAiError(
                Http.get(gw.url("/v1/models"), "Authorization", bearer(TOKEN)), 502, "backend_unavailable");
    }

    @Test
    void ollamaDownIs502Json() throws Exception {
        gw.ollama.close();
        var r = Http.post(
                gw.url("/v1/chat/completions"),
                CHAT.replace("vllm:llama3", "ollama:llama3.2"),
                "Authorization",
                bearer(TOKEN));
        NginxGatewayTest.assertOpenAiError(r, 502, "backend_unavailable");
        assertTrue(r.body().contains("The ollama backend is unreachable."), "names the backend: " + r.body());
        gw.refreshModels();
        var models = Http.get(gw.url("/v1/models"), "Authorization", bearer(TOKEN));
        assertEquals(200, models.statusCode());
        assertTrue(models.body().contains("\"vllm:llama3\""), models.body());
    }
}
