package dev.llmproxy.ratelimit;

import java.time.Duration;

/**
 * How the Redis store behaves.
 *
 * @param keyPrefix prepended to every key, so several gateways can share one Redis
 * @param timeout bound on any Redis call, including waiting for a pooled connection
 */
public record RedisSettings(String keyPrefix, FailureMode failureMode, Duration timeout, int poolSize) {}
