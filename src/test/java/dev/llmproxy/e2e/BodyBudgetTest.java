package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.http.App;
import dev.llmproxy.ratelimit.MemoryRateLimiter;
import dev.llmproxy.testing.FakeVllm;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Ports;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The sidecar holds request bodies up to BODY_MEMORY_BYTES at once: a call that does not fit waits for room,
 * then is asked to retry (503 JSON, Retry-After), and the room comes back when calls end, whatever their outcome.
 */
class BodyBudgetTest {
    static final String TOKEN = "sk-body-budget-0123456789";

    static String chat(String model, int bytes) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(bytes) + "\"}]}";
    }

    @Test
    void bodiesBeyondTheBudgetWaitThenAreAskedToRetryAndTheRoomComesBack() throws Exception {
        FakeVllm vllm = new FakeVllm(null);
        vllm.slowMillis = 4_000; // longer than a call waits for room
        int port = Ports.free();
        Config config = ConfigLoader.load(Map.of("TOKENS_JSON", "[{\"token\":\"" + TOKEN + "\",\"label\":\"budget\"}]",
                "VLLM_BASE_URL", vllm.baseUrl(), "SIDECAR_PORT", Integer.toString(port),
                "MAX_BODY_BYTES", Integer.toString(1024 * 1024), "BODY_MEMORY_BYTES", Integer.toString(2 * 1024 * 1024)));
        Javalin sidecar = App.create(config, new MemoryRateLimiter(Clock.systemUTC())).start();
        URI url = URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            // Two slow calls of ~900 KB hold nearly all of the 2 MB (the sidecar relays them to vLLM itself).
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
            var refused = Http.post(url, chat("llama3", 900_000), "Authorization", bearer(TOKEN));
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            NginxGatewayTest.assertOpenAiError(refused, 503, "overloaded");
            assertEquals("1", refused.headers().firstValue("retry-after").orElse(null));
            assertTrue(waitedMs >= 1_500, "it waited for room first: " + waitedMs + " ms");
            // A small body still fits beside them.
            assertEquals(200, Http.post(url, chat("llama3", 1_000), "Authorization", bearer(TOKEN)).statusCode());

            for (var f : slow) {
                assertEquals(200, f.get().statusCode());
            }
            // Their room is back, and so is the room of calls refused after reading (a bad token, bad JSON).
            assertEquals(401, Http.post(url, chat("llama3", 900_000), "Authorization", bearer("sk-nobody-0000000")).statusCode());
            assertEquals(400, Http.post(url, "{" + "x".repeat(900_000), "Authorization", bearer(TOKEN)).statusCode());
            for (int i = 0; i < 3; i++) {
                assertEquals(200, Http.post(url, chat("llama3", 900_000), "Authorization", bearer(TOKEN)).statusCode(), "call " + i);
            }
        } finally {
            sidecar.stop();
            vllm.close();
        }
    }
}
