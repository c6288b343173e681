package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.http.App;
import dev.llmproxy.ratelimit.MemoryRateLimiter;
import dev.llmproxy.testing.FakeVllm;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The sidecar holds request bodies up to BODY_MEMORY_BYTES at once, each call counting twice its body: a call
 * that does not fit waits for room, then is asked to retry (503 JSON, Retry-After), small calls do not queue
 * behind it, and all the room comes back when calls end, whatever their outcome.
 */
@Integration
class BodyBudgetTest {
    static final String TOKEN = "sk-body-budget-0123456789";
    static final long BUDGET = 4L * 1024 * 1024;

    static String chat(String model, int bytes) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(bytes)
                + "\"}]}";
    }

    static long metric(int port, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\d+)$")
                .matcher(Http.get(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .body());
        assertTrue(m.find(), name);
        return Long.parseLong(m.group(1));
    }

    @Test
    void bodiesBeyondTheBudgetWaitThenAreAskedToRetryAndTheRoomComesBack() throws Exception {
        FakeVllm vllm = new FakeVllm(null);
        vllm.slowMillis = 4_000; // longer than a call waits for room
        Config config = ConfigLoader.load(Map.of(
                "TOKENS_JSON",
                "[{\"token\":\"" + TOKEN + "\",\"label\":\"budget\"}]",
                "VLLM_BASE_URL",
                vllm.baseUrl(),
                "SIDECAR_PORT",
                "0",
                "MAX_BODY_BYTES",
                Integer.toString(1024 * 1024),
                "BODY_MEMORY_BYTES",
                Long.toString(BUDGET)));
        Javalin sidecar =
                App.create(config, new MemoryRateLimiter(Clock.systemUTC())).start();
        int port = sidecar.port();
        URI url = URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            assertEquals(BUDGET, metric(port, "llmproxy_body_memory_available_bytes"));
            // Two slow calls of ~900 KB hold 3.6 of the 4 MB (the sidecar relays them to vLLM itself).
            List<Future<HttpResponse<String>>> slow = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                slow.add(pool.submit(() -> Http.post(url, chat("slow", 900_000), "Authorization", bearer(TOKEN))));
            }
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (vllm.received().size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(2, vllm.received().size(), "both slow calls reached vLLM");

            long start = System.nanoTime();
            Future<HttpResponse<String>> waiting =
                    pool.submit(() -> Http.post(url, chat("llama3", 900_000), "Authorization", bearer(TOKEN)));
            Thread.sleep(300);
            // While that one waits for room, a small call goes by: it does not queue behind it.
            long smallStart = System.nanoTime();
            assertEquals(
                    200,
                    Http.post(url, chat("llama3", 1_000), "Authorization", bearer(TOKEN))
                            .statusCode());
            assertTrue((System.nanoTime() - smallStart) / 1_000_000 < 1_000, "the small call did not wait");

            var refused = waiting.get();
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            NginxGatewayTest.assertOpenAiError(refused, 503, "overloaded");
            assertEquals("1", refused.headers().firstValue("retry-after").orElse(null));
            assertTrue(waitedMs >= 1_500, "it waited for room first: " + waitedMs + " ms");
            assertEquals(1, metric(port, "llmproxy_body_memory_refusals_total"));

            for (var f : slow) {
                assertEquals(200, f.get().statusCode());
            }
            // Refused after reading (bad JSON, a model the token may not use) or relayed: all their room comes back.
            assertEquals(
                    400,
                    Http.post(url, "{" + "x".repeat(900_000), "Authorization", bearer(TOKEN))
                            .statusCode());
            assertEquals(
                    200,
                    Http.post(url, chat("llama3", 900_000), "Authorization", bearer(TOKEN))
                            .statusCode());
            // An unknown token is refused before its body is read: it never takes room.
            assertEquals(
                    401,
                    Http.post(url, chat("llama3", 900_000), "Authorization", bearer("sk-nobody-0000000"))
                            .statusCode());
            assertEquals(BUDGET, metric(port, "llmproxy_body_memory_available_bytes"), "every call gave its room back");
        } finally {
            sidecar.stop();
            vllm.close();
        }
    }

    /** Through nginx a call refused for want of room gets the sidecar's own answer (overloaded), not a cut connection. */
    @Test
    void throughNginxARefusedCallGetsTheSidecarsAnswer() throws Exception {
        try (Gateway gw = Gateway.start(
                        "[{\"token\":\"" + TOKEN + "\",\"label\":\"budget\"}]",
                        Map.of(
                                "MAX_BODY_BYTES",
                                Integer.toString(1024 * 1024),
                                "BODY_MEMORY_BYTES",
                                Integer.toString(2 * 1024 * 1024)));
                var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            gw.vllm.slowMillis = 4_000;
            // Renamed and over 16 KB: the sidecar relays it, holding its room while vLLM thinks.
            Future<HttpResponse<String>> slow = pool.submit(() -> Http.post(
                    gw.url("/v1/chat/completions"), chat("vllm:slow", 900_000), "Authorization", bearer(TOKEN)));
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (gw.vllm.received().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            var refused =
                    Http.post(gw.url("/v1/chat/completions"), chat("llama3", 900_000), "Authorization", bearer(TOKEN));
            NginxGatewayTest.assertOpenAiError(refused, 503, "overloaded");
            assertEquals("1", refused.headers().firstValue("retry-after").orElse(null));
            assertEquals(200, slow.get().statusCode());
            assertEquals(
                    200,
                    Http.post(gw.url("/v1/chat/completions"), chat("llama3", 900_000), "Authorization", bearer(TOKEN))
                            .statusCode());
        }
    }
}
