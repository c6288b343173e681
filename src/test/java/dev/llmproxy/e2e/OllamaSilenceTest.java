package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An Ollama that goes silent for longer than UPSTREAM_READ_TIMEOUT_SECONDS, through nginx and the sidecar. */
@Integration
class OllamaSilenceTest {
    static final String TOKEN = "sk-silence-0123456789";
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = Gateway.start(
                "[{\"token\":\"" + TOKEN + "\",\"label\":\"silence\"}]",
                Map.of("DEFAULT_BACKEND", "ollama", "UPSTREAM_READ_TIMEOUT_SECONDS", "1"));
        gw.ollama.tokenDelayMillis = 2_500; // each token: longer than the 1 s read timeout
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void aStreamThatFallsSilentEndsWithAnErrorEventAndNoDone() throws Exception {
        long start = System.nanoTime();
        var request = HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                .header("Authorization", bearer(TOKEN))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"slow\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
        HttpResponse<InputStream> r = Http.client().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        long headMs = (System.nanoTime() - start) / 1_000_000;
        String body = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, r.statusCode(), "the stream had started: Ollama answered 200");
        assertTrue(headMs < 700, "the stream's head comes at once, before the first token: " + headMs + " ms");
        assertFalse(body.contains("[DONE]"), body);
        assertTrue(body.contains("\"error\":{\"message\":\"The ollama backend failed: the stream broke"), body);
        assertTrue(ms < 2_400, "ended by the 1 s read timeout, not by Ollama's next token: " + ms + " ms");
    }

    @Test
    void aWholeAnswerThatNeverComesIsA504() {
        var r = Http.post(
                gw.url("/v1/chat/completions"),
                "{\"model\":\"slow\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                "Authorization",
                bearer(TOKEN));
        assertEquals(504, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"code\":\"backend_timeout\""), r.body());
    }
}
