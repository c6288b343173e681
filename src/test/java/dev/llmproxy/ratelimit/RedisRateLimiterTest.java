package dev.llmproxy.ratelimit;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.testing.FakeClock;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The limiter contract on a real redis-server, and what only a shared store must promise. */
@Integration
class RedisRateLimiterTest extends RateLimiterContract {
    static RedisServer redis;
    private final List<RedisRateLimiter> opened = new ArrayList<>();

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
    }

    @AfterEach
    void closeLimiters() {
        opened.forEach(RedisRateLimiter::close);
        try (var j = redis.client()) {
            j.flushAll();
        }
    }

    RedisRateLimiter limiter(FakeClock clock, FailureMode mode, String prefix) {
        return limiter(RedisClock.of(clock), mode, prefix);
    }

    RedisRateLimiter limiter(RedisClock clock, FailureMode mode, String prefix) {
        var l = new RedisRateLimiter(
                RedisClients.pooled(redis.url(), Duration.ofMillis(250), 32),
                Duration.ofMillis(250),
                prefix,
                mode,
                new StoreHealth("test redis", mode, Duration.ofSeconds(30)),
                clock);
        opened.add(l);
        return l;
    }

    @Override
    protected RateLimiter newLimiter(FakeClock clock) {
        return limiter(clock, FailureMode.CLOSED, "test:");
    }

    @Test
    @org.junit.jupiter.api.Timeout(10) // a regression would wait forever
    void aDecisionAskedOfAClosedLimiterDoesNotWait() {
        RedisRateLimiter l = limiter(RedisClock.SERVER_TIME, FailureMode.OPEN, "closed:");
        l.close();
        long start = System.nanoTime();
        Decision d = l.acquire("k", new Quota(5, 0));
        assertTrue(d.allowed() && !d.limited(), "open: admitted uncounted");
        assertTrue(System.nanoTime() - start < 1_000_000_000L);
    }

    @Test
    void withRedisTimeAsTheClock() {
        RateLimiter real = limiter(RedisClock.SERVER_TIME, FailureMode.CLOSED, "real:");
        Quota q = new Quota(3, 0);
        for (int i = 2; i >= 0; i--) {
            Decision d = real.acquire("k", q);
            assertTrue(d.allowed());
            assertEquals(i, d.remaining());
        }
        Decision refused = real.acquire("k", q);
        assertFalse(refused.allowed());
        assertTrue(
                refused.retryAfter().compareTo(Duration.ofSeconds(20)) <= 0
                        && refused.retryAfter().compareTo(Duration.ofSeconds(19)) > 0,
                refused.retryAfter().toString());
    }

    @Test
    void oneRoundTripPerDecisionAsRedisCountsThem() {
        RateLimiter l = newLimiter(clock);
        l.acquire("warm-up", new Quota(10, 10)); // loads the script once
        Map<String, Long> before = redis.commandCalls();
        for (int i = 0; i < 25; i++) {
            l.acquire("k" + (i % 3), new Quota(10, 100));
        }
        Map<String, Long> after = redis.commandCalls();
        assertEquals(25, after.getOrDefault("evalsha", 0L) - before.getOrDefault("evalsha", 0L));
        // commandstats also counts what the script runs inside Redis (HMGET, HSET, PEXPIRE): no round trips.
        var insideTheScript = java.util.Set.of("hmget", "hset", "pexpire", "info");
        var clientCommands = after.keySet().stream()
                .filter(c -> !c.equals("evalsha") && !insideTheScript.contains(c))
                .filter(c -> after.get(c) > before.getOrDefault(c, 0L))
                .toList();
        assertEquals(List.of(), clientCommands, "only EVALSHA reaches Redis per decision: " + before + " -> " + after);
        assertEquals(25, after.get("hmget") - before.getOrDefault("hmget", 0L), "one read of the state per decision");
    }

    @Test
    void keysHoldLabelsNotTokensAndExpireWhenTheyStopMattering() {
        RateLimiter l = newLimiter(clock);
        l.acquire("team-a", new Quota(60, 0));
        try (var j = redis.client()) {
            assertEquals(java.util.Set.of("test:rl:team-a"), j.keys("*"));
            long ttl = j.pttl("test:rl:team-a");
            assertTrue(ttl > 0 && ttl <= 1_001, "one request at rpm 60 matters for 1 s, ttl " + ttl);
        }
    }

    @Test
    void scriptFlushIsTransparent() {
        RateLimiter l = newLimiter(clock);
        Quota q = new Quota(3, 0);
        assertTrue(l.acquire("k", q).allowed());
        try (var j = redis.client()) {
            j.scriptFlush();
        }
        assertTrue(l.acquire("k", q).allowed());
        assertTrue(l.acquire("k", q).allowed());
        assertFalse(l.acquire("k", q).allowed(), "state survived the flush: exactly 3 admitted");
    }

    @Test
    void keyPrefixesSeparateGateways() {
        Quota q = new Quota(1, 0);
        assertTrue(limiter(clock, FailureMode.CLOSED, "gw1:").acquire("team", q).allowed());
        assertTrue(limiter(clock, FailureMode.CLOSED, "gw2:").acquire("team", q).allowed());
        assertFalse(
                limiter(clock, FailureMode.CLOSED, "gw1:").acquire("team", q).allowed());
    }

    @Test
    void twoLimitersSharingRedisAreExactTogether() throws Exception {
        RateLimiter a = limiter(clock, FailureMode.CLOSED, "shared:");
        RateLimiter b = limiter(clock, FailureMode.CLOSED, "shared:");
        var go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(40)) {
            for (int i = 0; i < 40; i++) {
                RateLimiter l = i % 2 == 0 ? a : b;
                results.add(pool.submit(() -> {
                    go.await();
                    return l.acquire("k", new Quota(10, 0)).allowed();
                }));
            }
            go.countDown();
            int ok = 0;
            for (var f : results) {
                ok += f.get() ? 1 : 0;
            }
            assertEquals(10, ok);
        }
    }

    /** Redis killed and restarted under a running limiter. Nested so it can own its server. */
    @Nested
    class WhenRedisDies {
        @Test
        void failOpenAdmitsUncountedAndRecoversWithoutRestart() throws Exception {
            try (RedisServer own = RedisServer.start()) {
                var health = new StoreHealth("own", FailureMode.OPEN, Duration.ofSeconds(30));
                var l = new RedisRateLimiter(
                        RedisClients.pooled(own.url(), Duration.ofMillis(200), 8),
                        Duration.ofMillis(200),
                        "x:",
                        FailureMode.OPEN,
                        health);
                Quota q = new Quota(2, 0);
                assertTrue(l.acquire("k", q).allowed());
                own.kill();
                for (int i = 0; i < 5; i++) {
                    long start = System.nanoTime();
                    Decision d = l.acquire("k", q);
                    assertTrue(d.allowed(), "open: admitted");
                    assertFalse(d.limited(), "uncounted: no limit headers");
                    assertTrue(System.nanoTime() - start < 1_000_000_000L, "a dead Redis never hangs a request");
                }
                assertTrue(health.down());
                assertTrue(health.errors() >= 5);
                assertFalse(l.ready());
                own.restart();
                assertTrue(l.acquire("k", q).allowed());
                assertTrue(l.acquire("k", q).allowed());
                assertFalse(l.acquire("k", q).allowed(), "enforced again after the restart, with no restart of ours");
                assertTrue(l.ready());
                assertFalse(health.down());
                l.close();
            }
        }

        @Test
        void failClosedRefusesAndRecoversWithoutRestart() throws Exception {
            try (RedisServer own = RedisServer.start()) {
                var l = new RedisRateLimiter(
                        RedisClients.pooled(own.url(), Duration.ofMillis(200), 8),
                        Duration.ofMillis(200),
                        "x:",
                        FailureMode.CLOSED,
                        new StoreHealth("own", FailureMode.CLOSED, Duration.ofSeconds(30)));
                own.kill();
                long start = System.nanoTime();
                assertThrows(StoreUnavailableException.class, () -> l.acquire("k", new Quota(2, 0)));
                assertTrue(System.nanoTime() - start < 1_000_000_000L);
                own.restart();
                assertTrue(l.acquire("k", new Quota(2, 0)).allowed());
                l.close();
            }
        }

        @Test
        void aRedisThatStopsAnsweringCostsNoRequestMoreThanTheTimeout() throws Exception {
            try (RedisServer own = RedisServer.start()) {
                var health = new StoreHealth("own", FailureMode.OPEN, Duration.ofSeconds(30));
                var l = new RedisRateLimiter(
                        RedisClients.pooled(own.url(), Duration.ofMillis(200), 8),
                        Duration.ofMillis(200),
                        "x:",
                        FailureMode.OPEN,
                        health);
                Quota q = new Quota(1_000, 0);
                assertTrue(l.acquire("k", q).limited(), "counted while Redis answers");
                signal(own, "STOP"); // alive, connected, silent: the hardest case for timeouts
                try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                    List<Future<Long>> waits = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        waits.add(pool.submit(() -> {
                            long start = System.nanoTime();
                            Decision d = l.acquire("k", q);
                            assertTrue(d.allowed() && !d.limited(), "open: admitted uncounted");
                            return (System.nanoTime() - start) / 1_000_000;
                        }));
                        Thread.sleep(10); // some wait queued behind a batch that is itself waiting
                    }
                    for (var w : waits) {
                        long ms = w.get();
                        assertTrue(ms < 200 + 100, "waited " + ms + " ms for a 200 ms timeout");
                    }
                } finally {
                    signal(own, "CONT");
                }
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (!l.acquire("k", q).limited() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertTrue(l.acquire("k", q).limited(), "counted again once Redis answers");
                l.close();
            }
        }

        private static void signal(RedisServer server, String signal) throws Exception {
            assertEquals(
                    0,
                    new ProcessBuilder("kill", "-" + signal, Long.toString(server.pid()))
                            .start()
                            .waitFor());
        }

        @Test
        void startingWithRedisDownDoesNotCrash() throws Exception {
            int deadPort = dev.llmproxy.testing.Ports.free();
            var l = new RedisRateLimiter(
                    RedisClients.pooled(
                            java.net.URI.create("redis://127.0.0.1:" + deadPort), Duration.ofMillis(100), 4),
                    Duration.ofMillis(100),
                    "x:",
                    FailureMode.OPEN,
                    new StoreHealth("dead", FailureMode.OPEN, Duration.ofSeconds(30)));
            assertTrue(l.acquire("k", new Quota(1, 0)).allowed());
            assertFalse(l.ready());
            l.close();
        }
    }
}
