package dev.llmproxy.ratelimit;

import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Limits kept in this process: exact for one sidecar. Per-key atomicity comes from {@link ConcurrentHashMap#compute}. */
public final class MemoryRateLimiter implements RateLimiter {
    private final InstantSource clock;
    private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

    private record State(long minuteTat, long dayTat) {}

    public MemoryRateLimiter(InstantSource clock) {
        this.clock = clock;
    }

    @Override
    public Decision acquire(String key, Quota quota) {
        Decision[] decision = new Decision[1];
        states.compute(key, (k, current) -> {
            State s = current == null ? new State(0, 0) : current;
            Gcra.Outcome outcome = Gcra.evaluate(s.minuteTat(), s.dayTat(), nowMicros(), quota);
            decision[0] = outcome.decision();
            return new State(outcome.minuteTat(), outcome.dayTat());
        });
        return decision[0];
    }

    private long nowMicros() {
        Instant now = clock.instant();
        return TimeUnit.SECONDS.toMicros(now.getEpochSecond()) + now.getNano() / 1_000;
    }
}
