package dev.llmproxy.ratelimit;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/** Builds the limiter the configuration asks for. */
public final class RateLimiters {
    private RateLimiters() {}

    /** @param redisUrl required for {@link RateLimitStoreKind#REDIS} */
    public static RateLimiter create(RateLimitStoreKind store, Optional<URI> redisUrl, RedisSettings redis) {
        return switch (store) {
            case MEMORY -> new MemoryRateLimiter(Clock.systemUTC());
            // Lazy: nothing is asked of Redis until the first decision, so start-up with Redis down
            // follows the failure mode instead of crashing.
            case REDIS ->
                new RedisRateLimiter(
                        RedisClients.pooled(redisUrl.orElseThrow(), redis.timeout(), redis.poolSize()),
                        redis.timeout(),
                        redis.keyPrefix(),
                        redis.failureMode(),
                        new StoreHealth("Redis rate-limit store", redis.failureMode(), Duration.ofSeconds(30)));
        };
    }
}
