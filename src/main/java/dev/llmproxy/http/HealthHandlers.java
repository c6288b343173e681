package dev.llmproxy.http;

import dev.llmproxy.ratelimit.RateLimiter;
import io.javalin.http.Context;

/** {@code /healthz}: the process answers. {@code /readyz}: configuration loaded and the limit store reachable. */
final class HealthHandlers {
    private final RateLimiter limiter;

    HealthHandlers(RateLimiter limiter) {
        this.limiter = limiter;
    }

    void alive(Context ctx) {
        ctx.contentType("application/json").result("{\"status\":\"ok\"}");
    }

    void ready(Context ctx) {
        boolean ready = limiter.ready();
        ctx.status(ready ? 200 : 503).contentType("application/json")
                .result(ready ? "{\"status\":\"ready\"}" : "{\"status\":\"unavailable\",\"reason\":\"rate_limit_store\"}");
    }
}
