package dev.llmproxy.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.llmproxy.backends.BackendStatus;
import dev.llmproxy.backends.ReplicaStatus;
import dev.llmproxy.ratelimit.FailureMode;
import dev.llmproxy.ratelimit.RateLimiter;
import dev.llmproxy.support.Json;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code /healthz}: the process answers. {@code /readyz}: configuration loaded and the limit store reachable,
 * with each backend and replica as the last discovery found them.
 */
final class HealthHandlers {
    private final RateLimiter limiter;
    private final FailureMode failureMode;
    private final Supplier<List<BackendStatus>> backends;

    HealthHandlers(RateLimiter limiter, FailureMode failureMode, Supplier<List<BackendStatus>> backends) {
        this.limiter = limiter;
        this.failureMode = failureMode;
        this.backends = backends;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Readiness(
            String status,
            @JsonProperty("rate_limit_store") String rateLimitStore,
            @JsonProperty("failure_mode") String failureMode,
            List<Backend> backends) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Backend(
            String name,
            boolean up,
            Integer models,
            @JsonProperty("refreshed_at") String refreshedAt,
            List<Replica> replicas) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Replica(
            String replica,
            boolean up,
            @JsonProperty("checked_at") String checkedAt,
            @JsonProperty("listed_at") String listedAt,
            Integer models,
            String error) {}

    void alive(Context ctx) {
        ctx.contentType("application/json").result("{\"status\":\"ok\"}");
    }

    /**
     * With the store down, a fail-open sidecar still serves (uncounted), so it stays ready but says it is
     * degraded; a fail-closed one refuses every request, so it is not ready. A backend that is down does not
     * make the sidecar unready: it still serves the others, and every sidecar sees the same backend, so
     * taking them out of service would turn those calls away too. It is shown, with its replicas.
     */
    void ready(Context ctx) {
        List<Backend> shown =
                backends.get().stream().map(HealthHandlers::backend).toList();
        Readiness body;
        int status = 200;
        if (limiter.ready()) {
            body = new Readiness("ready", "ok", null, shown);
        } else if (failureMode == FailureMode.OPEN) {
            body = new Readiness("degraded", "unavailable", "open", shown);
        } else {
            status = 503;
            body = new Readiness("unavailable", "unavailable", "closed", shown);
        }
        ctx.status(status).contentType("application/json").result(Json.bytes(body));
    }

    private static Backend backend(BackendStatus b) {
        boolean discovers = b.backend().discovers();
        return new Backend(
                b.name(),
                b.up(),
                discovers ? b.discovered().size() : null,
                b.refreshedAt().map(Instant::toString).orElse(null),
                b.replicas().stream().map(r -> replica(r, discovers)).toList());
    }

    private static Replica replica(ReplicaStatus r, boolean discovers) {
        return new Replica(
                r.replica(),
                r.up(),
                r.checkedAt().map(Instant::toString).orElse(null),
                r.listedAt().map(Instant::toString).orElse(null),
                discovers ? r.models().size() : null,
                r.error().isEmpty() ? null : r.error());
    }
}
