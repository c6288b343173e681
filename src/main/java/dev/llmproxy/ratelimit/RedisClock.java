package dev.llmproxy.ratelimit;

import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** What gcra.lua takes as now: Redis's own TIME in production, so every sidecar agrees; a test's clock otherwise. */
@FunctionalInterface
interface RedisClock {
    /** The script reads Redis's TIME itself; a JVM clock would make sidecars on different hosts disagree. */
    RedisClock SERVER_TIME = () -> "";

    /** The script's "now" argument: microseconds since the epoch, or empty for Redis's TIME. */
    String nowArgument();

    /** A clock read by the sidecar: for tests, which move it instead of sleeping. */
    static RedisClock of(InstantSource source) {
        Objects.requireNonNull(source, "source");
        return () -> {
            Instant now = source.instant();
            return Long.toString(TimeUnit.SECONDS.toMicros(now.getEpochSecond()) + now.getNano() / 1_000);
        };
    }
}
