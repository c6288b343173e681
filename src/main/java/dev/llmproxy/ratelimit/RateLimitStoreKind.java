package dev.llmproxy.ratelimit;

/** Where rate-limit state lives: in this process, or in Redis shared by every sidecar. */
public enum RateLimitStoreKind {
    MEMORY,
    REDIS
}
