package dev.llmproxy.ratelimit;

import dev.llmproxy.config.Config;
import java.time.Clock;
import java.time.Duration;

/** Builds the limiter the configuration asks for. */
public final class RateLimiters {
    private RateLimiters() {}

    public static RateLimiter fromConfig(Config config) {
        return switch (config.store()) {
            case MEMORY -> new MemoryRateLimiter(Clock.systemUTC());
            case REDIS -> {
                Config.RedisSettings r = config.redis();
                // Lazy: nothing is asked of Redis until the first decision, so start-up with Redis down
                // follows the failure mode instead of crashing.
                yield new RedisRateLimiter(RedisRateLimiter.pool(config.redisUrl().orElseThrow(), r.timeout(), r.poolSize()), r.timeout(),
                        r.keyPrefix(), r.failureMode(), new StoreHealth("Redis rate-limit store", r.failureMode(), Duration.ofSeconds(30)), null);
            }
        };
    }
}
