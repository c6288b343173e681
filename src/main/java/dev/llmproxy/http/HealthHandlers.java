package dev.llmproxy.http;

import dev.llmproxy.ratelimit.FailureMode;
import dev.llmproxy.ratelimit.RateLimiter;
import io.javalin.http.Context;

/** {@code /healthz}: the process answers. {@code /readyz}: configuration loaded and the limit store reachable. */
final class HealthHandlers {
    private final RateLimiter limiter;
    private final FailureMode failureMode;

    HealthHandlers(RateLimiter limiter, FailureMode failureMode) {
        this.limiter = limiter;
        this.failureMode = failureMode;
    }

    void alive(Context ctx) {
        ctx.contentType("application/json").result("{\"status\":\"ok\"}");
    }

    /**
     * With the store down, a fail-open sidecar still serves (uncounted), so it stays ready but says it is
     * degraded; a fail-closed one refuses every request, so it is not ready.
     */
    void ready(Context ctx) {
        String body;
        int status = 200;
        if (limiter.ready()) {
            body = "{\"status\":\"ready\",\"rate_limit_store\":\"ok\"}";
        } else if (failureMode == FailureMode.OPEN) {
            body = "{\"status\":\"degraded\",\"rate_limit_store\":\"unavailable\",\"failure_mode\":\"open\"}";
        } else {
            status = 503;
            body = "{\"status\":\"unavailable\",\"rate_limit_store\":\"unavailable\",\"failure_mode\":\"closed\"}";
        }
        ctx.status(status).contentType("application/json").result(body);
    }
}
