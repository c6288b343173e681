package dev.llmproxy.ratelimit;

/**
 * Decides whether one more request fits a key's quota, and records it if so, atomically: concurrent
 * callers for the same key never admit more than the quota allows, and a refused request consumes nothing.
 */
public interface RateLimiter {
    Decision acquire(String key, Quota quota);

    /** True when the limiter can make decisions now (a remote store is reachable). */
    default boolean ready() {
        return true;
    }

    /** For a remote store: how many of its calls failed so far (exported as a metric). */
    default java.util.Optional<java.util.function.LongSupplier> errorCount() {
        return java.util.Optional.empty();
    }
}
