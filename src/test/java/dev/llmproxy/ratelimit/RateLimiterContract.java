package dev.llmproxy.ratelimit;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link RateLimiter} promises. Each store runs this suite by extending it. */
abstract class RateLimiterContract {
    protected FakeClock clock;
    protected RateLimiter limiter;

    /** A limiter whose notion of now is {@code clock}. */
    protected abstract RateLimiter newLimiter(FakeClock clock);

    @BeforeEach
    void setUp() {
        clock = new FakeClock();
        limiter = newLimiter(clock);
    }

    private int admitted(String key, Quota q, int attempts) {
        int ok = 0;
        for (int i = 0; i < attempts; i++) {
            ok += limiter.acquire(key, q).allowed() ? 1 : 0;
        }
        return ok;
    }

    @Test
    void freshTokenBurstsItsLimitThenIsRefused() {
        Quota q = new Quota(5, 0);
        for (int i = 4; i >= 0; i--) {
            Decision d = limiter.acquire("k", q);
            assertTrue(d.allowed());
            assertEquals(LimitWindow.MINUTE, d.window());
            assertEquals(5, d.limit());
            assertEquals(i, d.remaining());
        }
        Decision refused = limiter.acquire("k", q);
        assertFalse(refused.allowed());
        assertEquals(0, refused.remaining());
        assertEquals(Duration.ofSeconds(12), refused.retryAfter());
        assertFalse(refused.dailyExhausted());
    }

    @Test
    void refillsOneRequestPerPeriodAndRetryAfterIsExact() {
        Quota q = new Quota(5, 0);
        assertEquals(5, admitted("k", q, 10));
        clock.advance(Duration.ofMillis(11_999));
        assertFalse(limiter.acquire("k", q).allowed());
        clock.advance(Duration.ofMillis(1));
        assertTrue(limiter.acquire("k", q).allowed());
        assertFalse(limiter.acquire("k", q).allowed());
        clock.advance(Duration.ofMinutes(1));
        assertEquals(5, admitted("k", q, 10), "a full window refills the whole burst, no more");
    }

    @Test
    void resetIsTheTimeUntilTheWindowIsFullAgain() {
        Quota q = new Quota(5, 0);
        assertEquals(Duration.ofSeconds(12), limiter.acquire("k", q).reset());
        assertEquals(Duration.ofSeconds(24), limiter.acquire("k", q).reset());
        clock.advance(Duration.ofSeconds(4));
        assertEquals(Duration.ofSeconds(32), limiter.acquire("k", q).reset());
    }

    @Test
    void refusedRequestsConsumeNeitherWindow() {
        Quota q = new Quota(2, 3);
        assertEquals(2, admitted("k", q, 2));
        assertEquals(0, admitted("k", q, 50), "minute window is full");
        clock.advance(Duration.ofSeconds(30));
        assertEquals(1, admitted("k", q, 1), "the 50 refusals did not use up the day");
        clock.advance(Duration.ofMinutes(5));
        Decision d = limiter.acquire("k", q);
        assertFalse(d.allowed());
        assertTrue(d.dailyExhausted());
    }

    @Test
    void admittedOnlyWhenBothWindowsHaveRoom() {
        Quota q = new Quota(100, 2);
        assertEquals(2, admitted("k", q, 2));
        Decision d = limiter.acquire("k", q);
        assertFalse(d.allowed());
        assertEquals(LimitWindow.DAY, d.window());
        assertEquals(2, d.limit());
        assertTrue(d.dailyExhausted());
        assertEquals(Duration.ofHours(12), d.retryAfter(), "one request refills every 12 h at rpd 2");
        clock.advance(Duration.ofHours(12));
        assertTrue(limiter.acquire("k", q).allowed());
    }

    @Test
    void whenBothWindowsRefuseTheDayDecides() {
        Quota q = new Quota(1, 1);
        assertTrue(limiter.acquire("k", q).allowed());
        Decision d = limiter.acquire("k", q);
        assertEquals(LimitWindow.DAY, d.window());
        assertEquals(Duration.ofDays(1), d.retryAfter());
    }

    @Test
    void bindingWindowIsTheOneWithFewerRequestsLeft() {
        Quota q = new Quota(60, 3);
        Decision d = limiter.acquire("k", q);
        assertEquals(LimitWindow.DAY, d.window());
        assertEquals(2, d.remaining());
        Quota roomy = new Quota(5, 1000);
        assertEquals(LimitWindow.MINUTE, limiter.acquire("other", roomy).window());
    }

    @Test
    void unlimitedTokensAreAlwaysAdmittedWithoutAWindow() {
        for (int i = 0; i < 1000; i++) {
            Decision d = limiter.acquire("k", Quota.UNLIMITED);
            assertTrue(d.allowed());
            assertFalse(d.limited());
        }
    }

    @Test
    void keysAreIndependent() {
        Quota q = new Quota(1, 0);
        assertTrue(limiter.acquire("a", q).allowed());
        assertTrue(limiter.acquire("b", q).allowed());
        assertFalse(limiter.acquire("a", q).allowed());
    }

    @Test
    void exactUnderConcurrency() throws Exception {
        assertEquals(5, admittedInParallel("fresh-5", new Quota(5, 0), 20));
        assertEquals(50, admittedInParallel("fresh-50", new Quota(1000, 50), 200));
    }

    private int admittedInParallel(String key, Quota q, int requests) throws Exception {
        var go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(Math.min(requests, 64))) {
            for (int i = 0; i < requests; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return limiter.acquire(key, q).allowed();
                }));
            }
            go.countDown();
            int ok = 0;
            for (var f : results) {
                ok += f.get() ? 1 : 0;
            }
            return ok;
        }
    }
}
