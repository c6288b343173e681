package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Prompts as large as real ones, through the real nginx and sidecar: the body vLLM receives is the client's,
 * byte for byte, with at most the top-level model's value changed, whichever way it went (nginx sending the
 * body it buffered, untouched or rewritten, or the sidecar relaying it). Which way a call went is read from
 * the access log's {@code handed_over}.
 */
@Integration
class LargePromptTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "sk-large-prompt-0123456789";
    static final AtomicInteger IDS = new AtomicInteger();
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = Gateway.start(
                "[{\"token\":\"" + TOKEN + "\",\"label\":\"large\"}]",
                Map.of("MAX_BODY_BYTES", Integer.toString(6 * 1024 * 1024)));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @BeforeEach
    void clear() {
        gw.vllm.reset();
    }

    /** About {@code bytes} of chat, the model last (as the OpenAI Python SDK writes it), with escapes and non-ASCII. */
    static String prompt(int bytes, String model) {
        String line =
                "Context: \\\"quoted\\\", a tab\\t, JSON-looking text {\\\"model\\\": \\\"vllm:evil\\\"} \u2014 r\u00e9sum\u00e9 \ud83d\ude00\\n";
        StringBuilder text = new StringBuilder();
        while (text.length() < bytes) {
            text.append(line);
        }
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"" + text
                + "\"}],\"seed\":12345678901234567890,\"temperature\":1.0," + "\"model\":\"" + model
                + "\",\"max_tokens\":16}";
    }

    record Sent(HttpResponse<String> response, String id) {}

    static Sent post(String body) {
        String id = "large-" + IDS.incrementAndGet();
        return new Sent(
                Http.post(gw.url("/v1/chat/completions"), body, "Authorization", bearer(TOKEN), "X-Request-ID", id),
                id);
    }

    /** Whether the sidecar handed this call back to nginx (rather than relaying it), from nginx's access log. */
    static boolean handedOver(String id) throws Exception {
        for (int attempt = 0; attempt < 50; attempt++) {
            var line = gw.accessLog()
                    .lines()
                    .filter(l -> l.contains("\"request_id\":\"" + id + "\""))
                    .findFirst();
            if (line.isPresent()) {
                return JSON.readTree(line.get()).path("handed_over").asText().equals("1");
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no access log line for " + id);
    }

    /**
     * A call with no key at all is refused before nginx reads its body: the 401 comes while the client has sent only
     * its headers (nginx would otherwise hold up to MAX_BODY_BYTES of it for the sidecar to refuse).
     */
    @Test
    void aCallWithoutAKeyIsRefusedBeforeItsBodyIsRead() throws Exception {
        try (var socket = new java.net.Socket("127.0.0.1", gw.url("/").getPort())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream()
                    .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\n"
                                    + "Content-Type: application/json\r\nContent-Length: 3000000\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            var in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("HTTP/1.1 401 Unauthorized", in.readLine(), "answered with no byte of the body sent");
            StringBuilder head = new StringBuilder();
            for (String line; !(line = in.readLine()).isEmpty(); ) {
                head.append(line.toLowerCase(java.util.Locale.ROOT)).append('\n');
            }
            assertTrue(head.toString().contains("www-authenticate: bearer realm=\"llm-proxy\""), head.toString());
            assertTrue(head.toString().contains("x-request-id: "), head.toString());
            char[] body =
                    new char[Integer.parseInt(head.toString().replaceAll("(?s).*content-length: (\\d+).*", "$1"))];
            assertEquals(body.length, in.read(body));
            dev.llmproxy.testing.ErrorBodies.assertCatalog(
                    dev.llmproxy.contract.ErrorCode.INVALID_API_KEY, 401, new String(body));
            assertTrue(new String(body).contains("You didn't provide an API key."), new String(body));
        }
    }

    @Test
    void aLargeBodyWithoutPrefixReachesVllmUntouchedStraightFromNginx() throws Exception {
        String body = prompt(3_000_000, "llama3");
        Sent s = post(body);
        assertEquals(200, s.response().statusCode(), s.response().body());
        assertEquals(body, gw.vllm.last().body());
        assertTrue(handedOver(s.id()), "handed back to nginx, which sent the body on");
    }

    @Test
    void aLargeBodyWithAPrefixIsRewrittenByteExactly() throws Exception {
        String body = prompt(3_000_000, "vllm:llama3");
        Sent s = post(body);
        assertEquals(200, s.response().statusCode(), s.response().body());
        assertEquals(prompt(3_000_000, "llama3"), gw.vllm.last().body());
        assertFalse(handedOver(s.id()), "too large for nginx's rewrite: the sidecar relays it");
    }

    @Test
    void aSmallBodyIsRewrittenByNginxExactlyEvenWhenTheModelsLiteralOccursTwice() throws Exception {
        String body =
                "{\"user\":\"vllm:llama3\",\"model\" : \"vllm:llama3\",\"seed\":12345678901234567890,\"temperature\":1.0,"
                        + "\"top_p\":1e-1,\"messages\":[{\"role\":\"user\",\"content\":\"say \\\"vllm:llama3\\\"\"}]}";
        Sent s = post(body);
        assertEquals(200, s.response().statusCode(), s.response().body());
        assertEquals(
                body.replace("\"model\" : \"vllm:llama3\"", "\"model\" : \"llama3\""),
                gw.vllm.last().body());
        assertTrue(handedOver(s.id()), "rewritten by nginx");
    }

    @Test
    void aNestedModelKeyBeforeTheTopLevelOneIsNeverTheOneRewritten() throws Exception {
        String body =
                "{\"metadata\":{\"model\":\"vllm:other\"},\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":"
                        + "{\"properties\":{\"model\":{\"type\":\"string\"}}}}}],\"model\":\"vllm:llama3\",\"temperature\":1.0,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        Sent s = post(body);
        assertEquals(200, s.response().statusCode(), s.response().body());
        assertEquals(
                body.replace("\"model\":\"vllm:llama3\"", "\"model\":\"llama3\""),
                gw.vllm.last().body());
        assertFalse(handedOver(s.id()), "the sidecar relays what nginx's rewrite would get wrong");
    }

    @Test
    void aChunkedLargeBodyArrivesWhole() throws Exception {
        byte[] body = prompt(2_000_000, "llama3").getBytes(StandardCharsets.UTF_8);
        HttpRequest.BodyPublisher chunked =
                HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArray(body));
        var r = Http.client()
                .send(
                        HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                                .header("Authorization", bearer(TOKEN))
                                .POST(chunked)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(new String(body, StandardCharsets.UTF_8), gw.vllm.last().body());
    }

    /** nginx passes the sidecar only what it reads: headers nginx accepts (here 21 KB of cookies) cannot exceed the sidecar's limit. */
    @Test
    void largeClientHeadersThatNginxAcceptsAreFine() throws Exception {
        String cookie = "c".repeat(7_000);
        for (String model : new String[] {"llama3", "ollama:llama3.2"}) {
            var r = Http.post(
                    gw.url("/v1/chat/completions"),
                    "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                    "Authorization",
                    bearer(TOKEN),
                    "Cookie",
                    "a=" + cookie,
                    "X-Trace-A",
                    cookie,
                    "X-Trace-B",
                    cookie);
            assertEquals(200, r.statusCode(), model + ": " + r.body());
        }
    }

    @Test
    void aLargeBodyWithoutATokenIs401AndTheGatewayCarriesOn() throws Exception {
        var r = Http.post(gw.url("/v1/chat/completions"), prompt(3_000_000, "llama3"));
        NginxGatewayTest.assertOpenAiError(r, 401, "invalid_api_key");
        assertEquals(200, post(prompt(1_000, "llama3")).response().statusCode());
    }

    @Test
    void invalidOrOversizedLargeBodiesAreRefusedBeforeAnyBackend() throws Exception {
        String broken = prompt(3_000_000, "llama3");
        var invalid = post(broken.substring(0, broken.length() - 1)).response();
        NginxGatewayTest.assertOpenAiError(invalid, 400, "invalid_json");
        var tooLarge = post(prompt(7_000_000, "llama3")).response();
        NginxGatewayTest.assertOpenAiError(tooLarge, 413, "request_too_large");
        assertTrue(gw.vllm.received().isEmpty(), "nothing reached vLLM");
    }
}
