package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What clients see when a part of the gateway is down: OpenAI-shaped JSON, never nginx's HTML. */
class NginxFaultsTest {
    static final String TOKEN = "sk-faults-0123456789";
    static final String CHAT = "{\"model\":\"vllm:llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    Gateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = Gateway.start("[{\"token\":\"" + TOKEN + "\",\"label\":\"faults\",\"rpm\":1000000}]",
                Map.of("UPSTREAM_READ_TIMEOUT_SECONDS", "1"));
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void sidecarDownIs503WithRetryAfterAndRecoversWhenItIsBack() throws Exception {
        assertEquals(200, Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(TOKEN)).statusCode());
        gw.stopSidecar();
        for (String path : new String[] {"/v1/chat/completions", "/v1/embeddings"}) {
            var r = Http.post(gw.url(path), CHAT, "Authorization", bearer(TOKEN));
            NginxGatewayTest.assertOpenAiError(r, 503, "authz_unavailable");
            assertEquals("5", r.headers().firstValue("retry-after").orElse(null));
        }
        NginxGatewayTest.assertOpenAiError(Http.get(gw.url("/v1/models"), "Authorization", bearer(TOKEN)), 503, "authz_unavailable");
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
                        String kind = r.statusCode() + (r.statusCode() == 503 && r.body().contains("\"code\":\"authz_unavailable\"")
                                && r.headers().firstValue("retry-after").isPresent() ? " json+retry-after" : "");
                        statuses.computeIfAbsent(kind, k -> new java.util.concurrent.atomic.LongAdder()).increment();
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
            assertEquals(200, Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(TOKEN)).statusCode(), "service is back");
        }
    }

    @Test
    void vllmTooSlowIs504JsonThroughNginxAndTheSidecar() throws Exception {
        String slow = CHAT.replace("vllm:llama3", "vllm:slow");
        long start = System.nanoTime();
        NginxGatewayTest.assertOpenAiError(Http.post(gw.url("/v1/chat/completions"), slow, "Authorization", bearer(TOKEN)), 504, "backend_timeout");
        assertTrue(System.nanoTime() - start < 2_900_000_000L, "answered before vLLM did: the timeout applied");
        NginxGatewayTest.assertOpenAiError(Http.post(gw.sidecarUrl("/v1/chat/completions"), slow, "Authorization", bearer(TOKEN)), 504, "backend_timeout");
        // Ollama answers a non-streamed call only when done (about 5 s for the slow model): past the 1 s timeout.
        String slowOllama = CHAT.replace("vllm:llama3", "ollama:slow");
        NginxGatewayTest.assertOpenAiError(Http.post(gw.url("/v1/chat/completions"), slowOllama, "Authorization", bearer(TOKEN)), 504, "backend_timeout");
    }

    @Test
    void vllmDownIs502Json() throws Exception {
        gw.vllm.close();
        var r = Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(TOKEN));
        NginxGatewayTest.assertOpenAiError(r, 502, "backend_unavailable");
        assertTrue(r.headers().firstValue("x-request-id").isPresent());
        // One backend down still lists the other's models; both down is a 502.
        var models = Http.get(gw.url("/v1/models"), "Authorization", bearer(TOKEN));
        assertEquals(200, models.statusCode(), models.body());
        assertTrue(models.body().contains("\"ollama:llama3.2:latest\"") && !models.body().contains("\"vllm:"), models.body());
        gw.ollama.close();
        NginxGatewayTest.assertOpenAiError(Http.get(gw.url("/v1/models"), "Authorization", bearer(TOKEN)), 502, "backend_unavailable");
    }

    @Test
    void ollamaDownIs502Json() throws Exception {
        gw.ollama.close();
        var r = Http.post(gw.url("/v1/chat/completions"), CHAT.replace("vllm:llama3", "ollama:llama3.2"), "Authorization", bearer(TOKEN));
        NginxGatewayTest.assertOpenAiError(r, 502, "backend_unavailable");
        assertTrue(r.body().contains("Ollama"), r.body());
        var models = Http.get(gw.url("/v1/models"), "Authorization", bearer(TOKEN));
        assertEquals(200, models.statusCode());
        assertTrue(models.body().contains("\"vllm:llama3\""), models.body());
    }
}
