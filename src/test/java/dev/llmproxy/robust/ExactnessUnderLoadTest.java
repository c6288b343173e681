package dev.llmproxy.robust;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.http.App;
import dev.llmproxy.ratelimit.RateLimiters;
import dev.llmproxy.testing.FakeOllama;
import dev.llmproxy.testing.FakeVllm;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.testing.RedisServer;
import io.javalin.Javalin;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * A sustained mixed load (several tokens at different limits, bursts, streams and not) on two sidecars
 * sharing one Redis. For every token: never more admitted than its limits allow, and nothing refused
 * that was within them. Duration: the llmproxy.loadSeconds property, 60 s by default.
 */
@Integration
class ExactnessUnderLoadTest {
    static final long SECONDS = Long.getLong("llmproxy.loadSeconds", 60);

    /** A token, its limits, and how its clients behave. */
    record Load(String label, long rpm, long rpd, int workers, long pauseMillis, boolean stream, String model) {
        String token() {
            return "sk-load-" + label + "-0123456789";
        }
    }

    static final List<Load> LOADS = List.of(
            new Load("burst", 120, 0, 3, 20, false, "vllm:llama3"), // refills every 500 ms, hammered
            new Load("slow", 30, 0, 2, 20, false, "ollama:llama3.2"), // refills every 2 s, hammered
            new Load("daily", 600, 150, 2, 20, false, "vllm:llama3"), // the day runs out first
            new Load("stream", 240, 0, 2, 20, true, "vllm:llama3"), // streams, refills every 250 ms
            new Load("under", 600, 0, 1, 250, false, "ollama:llama3.2") // 4/s, well under 10/s: never refused
            );

    record Tally(
            LongAdder admitted,
            LongAdder refused,
            LongAdder other,
            AtomicLong firstAdmitNanos,
            AtomicLong lastAttemptNanos) {}

    @Test
    void limitsHoldExactlyAcrossTwoSidecarsUnderSustainedLoad() throws Exception {
        try (RedisServer redis = RedisServer.start();
                FakeVllm vllm = new FakeVllm(null);
                FakeOllama ollama = new FakeOllama()) {
            vllm.streamChunks = 5;
            vllm.streamDelayMillis = 10;
            StringBuilder tokens = new StringBuilder("[");
            for (Load l : LOADS) {
                tokens.append(tokens.length() > 1 ? "," : "")
                        .append("{\"token\":\"")
                        .append(l.token())
                        .append("\",\"label\":\"")
                        .append(l.label())
                        .append("\",\"rpm\":")
                        .append(l.rpm())
                        .append(l.rpd() > 0 ? ",\"rpd\":" + l.rpd() : "")
                        .append('}');
            }
            tokens.append(']');
            List<Javalin> sidecars = new ArrayList<>();
            List<URI> urls = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Config c = ConfigLoader.load(Map.of(
                        "TOKENS_JSON",
                        tokens.toString(),
                        "VLLM_BASE_URL",
                        vllm.baseUrl(),
                        "OLLAMA_BASE_URL",
                        ollama.baseUrl(),
                        "RATE_LIMIT_STORE",
                        "redis",
                        "REDIS_URL",
                        redis.url().toString(),
                        "RATE_LIMIT_FAILURE_MODE",
                        "closed",
                        "SIDECAR_PORT",
                        "0"));
                Javalin sidecar = App.create(c, RateLimiters.create(c.store(), c.redisUrl(), c.redis()))
                        .start();
                sidecars.add(sidecar);
                urls.add(URI.create("http://127.0.0.1:" + sidecar.port() + "/v1/chat/completions"));
            }
            Map<String, Tally> tallies = new ConcurrentHashMap<>();
            long deadline = System.nanoTime() + SECONDS * 1_000_000_000L;
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (Load l : LOADS) {
                    Tally t = tallies.computeIfAbsent(
                            l.label(),
                            k -> new Tally(
                                    new LongAdder(),
                                    new LongAdder(),
                                    new LongAdder(),
                                    new AtomicLong(Long.MAX_VALUE),
                                    new AtomicLong()));
                    for (int w = 0; w < l.workers(); w++) {
                        int worker = w;
                        pool.submit(() -> {
                            String body = "{\"model\":\"" + l.model() + "\"," + (l.stream() ? "\"stream\":true," : "")
                                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
                            for (int i = worker; System.nanoTime() < deadline; i++) {
                                long at = System.nanoTime();
                                var r = Http.post(urls.get(i % 2), body, "Authorization", "Bearer " + l.token());
                                t.lastAttemptNanos().accumulateAndGet(at, Math::max);
                                if (r.statusCode() == 200
                                        && (!l.stream() || r.body().endsWith("data: [DONE]\n\n"))) {
                                    t.admitted().increment();
                                    t.firstAdmitNanos().accumulateAndGet(at, Math::min);
                                } else if (r.statusCode() == 429) {
                                    t.refused().increment();
                                } else {
                                    t.other().increment();
                                }
                                Thread.sleep(l.pauseMillis());
                            }
                            return null;
                        });
                    }
                }
            } finally {
                sidecars.forEach(Javalin::stop);
            }
            List<String> report = new ArrayList<>();
            for (Load l : LOADS) {
                Tally t = tallies.get(l.label());
                double elapsed =
                        (t.lastAttemptNanos().get() - t.firstAdmitNanos().get()) / 1e9;
                long admitted = t.admitted().sum();
                report.add(l.label() + ": admitted " + admitted + ", refused "
                        + t.refused().sum() + ", other " + t.other().sum() + " over " + String.format("%.1f", elapsed)
                        + " s");
                assertEquals(0, t.other().sum(), "errors for " + l.label() + ": " + report);
                if (l.label().equals("under")) {
                    assertEquals(0, t.refused().sum(), "a token within its limits was refused: " + report);
                    continue;
                }
                if (l.rpd() > 0) {
                    assertEquals(l.rpd(), admitted, "the daily limit, exactly: " + report);
                    continue;
                }
                double period = 60.0 / l.rpm();
                long allowance = l.rpm() + (long) Math.floor(elapsed / period);
                assertTrue(
                        admitted <= allowance + 1,
                        "more admitted than the limit allows (" + allowance + "): " + report);
                assertTrue(
                        admitted >= allowance - 2, "refused within the limit (allowance " + allowance + "): " + report);
                assertTrue(t.refused().sum() > 0, "the load never reached the limit: " + report);
            }
            System.out.println(String.join("\n", report));
        }
    }
}
