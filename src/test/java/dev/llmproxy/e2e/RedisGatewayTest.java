package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.http.App;
import dev.llmproxy.ratelimit.RateLimiters;
import dev.llmproxy.testing.FakeVllm;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.testing.RedisServer;
import io.javalin.Javalin;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Several sidecars sharing one real redis-server: limits hold across all of them, and outages follow the mode. */
@Integration
class RedisGatewayTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String RPM10 = "sk-redis-rpm10-0123";
    static final String RPD7 = "sk-redis-rpd7-01234";
    static final String OPEN = "sk-redis-open-01234";
    static final String LIST = "sk-redis-list-01234";
    static final String CHAT = "{\"model\":\"vllm:llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    static final String TOKENS = "[{\"token\":\"" + RPM10 + "\",\"label\":\"rpm10\",\"rpm\":10},"
            + "{\"token\":\"" + RPD7 + "\",\"label\":\"rpd7\",\"rpm\":1000,\"rpd\":7},"
            + "{\"token\":\"" + OPEN + "\",\"label\":\"open\",\"rpm\":2},"
            + "{\"token\":\"" + LIST + "\",\"label\":\"list\",\"rpm\":1}]";

    static RedisServer redis;
    static FakeVllm vllm;
    final List<Javalin> sidecars = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        vllm = new FakeVllm(null);
    }

    @AfterAll
    static void stop() {
        redis.close();
        vllm.close();
    }

    @AfterEach
    void stopSidecars() throws Exception {
        sidecars.forEach(Javalin::stop);
        redis.kill();
        redis.restart();
    }

    URI sidecar(String mode) {
        Map<String, String> env = new HashMap<>(Map.of(
                "TOKENS_JSON",
                TOKENS,
                "VLLM_BASE_URL",
                vllm.baseUrl(),
                "RATE_LIMIT_STORE",
                "redis",
                "REDIS_URL",
                redis.url().toString(),
                "RATE_LIMIT_FAILURE_MODE",
                mode,
                "REDIS_TIMEOUT_MS",
                "200",
                "SIDECAR_PORT",
                "0"));
        Config config = ConfigLoader.load(env);
        Javalin sidecar = App.create(config, RateLimiters.create(config.store(), config.redisUrl(), config.redis()))
                .start();
        sidecars.add(sidecar);
        return URI.create("http://127.0.0.1:" + sidecar.port());
    }

    static int admittedAcross(List<URI> sidecars, String token, int requests) throws Exception {
        var go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(requests)) {
            for (int i = 0; i < requests; i++) {
                URI target = sidecars.get(i % sidecars.size()).resolve("/v1/chat/completions");
                results.add(pool.submit(() -> {
                    go.await();
                    return Http.post(target, CHAT, "Authorization", bearer(token))
                            .statusCode();
                }));
            }
            go.countDown();
            int ok = 0;
            for (var f : results) {
                int status = f.get();
                assertTrue(status == 200 || status == 429, "status " + status);
                ok += status == 200 ? 1 : 0;
            }
            return ok;
        }
    }

    @Test
    void twoSidecarsShareOneRpmExactly() throws Exception {
        assertEquals(10, admittedAcross(List.of(sidecar("closed"), sidecar("closed")), RPM10, 40));
    }

    @Test
    void twoSidecarsShareOneRpdExactly() throws Exception {
        assertEquals(7, admittedAcross(List.of(sidecar("closed"), sidecar("closed")), RPD7, 40));
    }

    @Test
    void failClosedRefusesWith503WhileRedisIsDownAndRecoversByItself() throws Exception {
        URI s = sidecar("closed");
        assertEquals(
                200,
                Http.post(s.resolve("/v1/chat/completions"), CHAT, "Authorization", bearer(RPD7))
                        .statusCode());
        redis.kill();
        long start = System.nanoTime();
        var r = Http.post(s.resolve("/v1/chat/completions"), CHAT, "Authorization", bearer(RPD7));
        assertTrue(System.nanoTime() - start < 2_000_000_000L, "no request hangs on a dead Redis");
        NginxGatewayTest.assertOpenAiError(r, 503, "rate_limit_store_unavailable");
        assertEquals("5", r.headers().firstValue("retry-after").orElse(null));
        NginxGatewayTest.assertOpenAiError(
                Http.post(s.resolve("/v1/chat/completions"), CHAT, "Authorization", bearer("sk-unknown-123")),
                401,
                "invalid_api_key");
        var ready = Http.get(s.resolve("/readyz"));
        assertEquals(503, ready.statusCode());
        assertEquals("closed", JSON.readTree(ready.body()).path("failure_mode").asText());

        redis.restart();
        assertEquals(
                200,
                Http.post(s.resolve("/v1/chat/completions"), CHAT, "Authorization", bearer(RPD7))
                        .statusCode());
        assertEquals(200, Http.get(s.resolve("/readyz")).statusCode());
    }

    @Test
    void failOpenServesUncountedWhileRedisIsDownThenEnforcesAgain() throws Exception {
        URI s = sidecar("open");
        redis.kill();
        for (int i = 0; i < 4; i++) {
            var r = Http.post(s.resolve("/v1/chat/completions"), CHAT, "Authorization", bearer(OPEN));
            assertEquals(200, r.statusCode(), "open: served although rpm is 2");
            assertTrue(
                    r.headers().firstValue("x-ratelimit-remaining-requests").isEmpty(),
                    "nothing was counted, nothing claimed");
        }
        var ready = Http.get(s.resolve("/readyz"));
        assertEquals(200, ready.statusCode());
        assertEquals("degraded", JSON.readTree(ready.body()).path("status").asText());
        String metrics = Http.get(s.resolve("/metrics")).body();
        long errors = Long.parseLong(metrics.replaceAll("(?s).*llmproxy_ratelimit_store_errors_total (\\d+).*", "$1"));
        assertTrue(errors >= 4, metrics);
        redis.restart();
        assertEquals(
                200,
                Http.post(s.resolve("/v1/chat/completions"), CHAT, "Authorization", bearer(OPEN))
                        .statusCode());
        assertEquals(
                200,
                Http.post(s.resolve("/v1/chat/completions"), CHAT, "Authorization", bearer(OPEN))
                        .statusCode());
        assertEquals(
                429,
                Http.post(s.resolve("/v1/chat/completions"), CHAT, "Authorization", bearer(OPEN))
                        .statusCode());
    }

    /** Listing models asks nothing of the store: it spends no request, and a Redis outage in closed mode spares it. */
    @Test
    void listingModelsSpendsNoRequestsAndNeedsNoRedis() throws Exception {
        URI s = sidecar("closed");
        for (int i = 0; i < 3; i++) {
            assertEquals(
                    200,
                    Http.get(s.resolve("/v1/models"), "Authorization", bearer(LIST))
                            .statusCode());
            assertEquals(
                    200,
                    Http.get(s.resolve("/v1/models/vllm:llama3"), "Authorization", bearer(LIST))
                            .statusCode());
        }
        var chat = Http.post(s.resolve("/v1/chat/completions"), CHAT, "Authorization", bearer(LIST));
        assertEquals(200, chat.statusCode(), "rpm 1: the listings spent none of it");
        assertEquals(
                429,
                Http.post(s.resolve("/v1/chat/completions"), CHAT, "Authorization", bearer(LIST))
                        .statusCode());
        assertEquals(
                200,
                Http.get(s.resolve("/v1/models"), "Authorization", bearer(LIST)).statusCode());
        redis.kill();
        assertEquals(
                200,
                Http.get(s.resolve("/v1/models"), "Authorization", bearer(LIST)).statusCode());
        NginxGatewayTest.assertOpenAiError(
                Http.post(s.resolve("/v1/chat/completions"), CHAT, "Authorization", bearer(LIST)),
                503,
                "rate_limit_store_unavailable");
        NginxGatewayTest.assertOpenAiError(
                Http.get(s.resolve("/v1/models"), "Authorization", bearer("sk-unknown-123")), 401, "invalid_api_key");
    }

    @Test
    void throughNginxAClosedStoreOutageIs503Json() throws Exception {
        try (Gateway gw = Gateway.start(
                TOKENS,
                Map.of(
                        "RATE_LIMIT_STORE",
                        "redis",
                        "REDIS_URL",
                        redis.url().toString(),
                        "RATE_LIMIT_FAILURE_MODE",
                        "closed",
                        "REDIS_TIMEOUT_MS",
                        "200"))) {
            assertEquals(
                    200,
                    Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(RPD7))
                            .statusCode());
            redis.kill();
            var r = Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(RPD7));
            NginxGatewayTest.assertOpenAiError(
                    r, 503, "rate_limit_store_unavailable"); // the same answer as from the sidecar alone
            assertEquals("5", r.headers().firstValue("retry-after").orElse(null));
            redis.restart();
            assertEquals(
                    200,
                    Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(RPD7))
                            .statusCode());
        }
    }
}
