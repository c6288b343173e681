package dev.llmproxy.ratelimit;

import dev.llmproxy.testing.FakeClock;

class MemoryRateLimiterTest extends RateLimiterContract {
    @Override
    protected RateLimiter newLimiter(FakeClock clock) {
        return new MemoryRateLimiter(clock);
    }
}
