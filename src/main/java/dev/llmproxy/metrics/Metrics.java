package dev.llmproxy.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The sidecar's Prometheus metrics. Labels are bounded: decision outcomes are a fixed set and token
 * labels come from the configuration, never from a request.
 */
public final class Metrics {
    /** Authz decision outcomes. */
    public enum Outcome {
        ALLOWED, UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED, STORE_ERROR;

        String label() {
            return name().toLowerCase();
        }
    }

    private record DecisionKey(Outcome outcome, String tokenLabel) {}

    private final Map<DecisionKey, LongAdder> decisions = new ConcurrentHashMap<>();
    private final Histogram limiterSeconds = new Histogram(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25);
    private volatile LongSupplier storeErrors = () -> 0;

    public void decision(Outcome outcome, String tokenLabel) {
        decisions.computeIfAbsent(new DecisionKey(outcome, tokenLabel == null ? "" : tokenLabel), k -> new LongAdder()).increment();
    }

    public void limiterLatency(long nanos) {
        limiterSeconds.record(nanos);
    }

    public void storeErrors(LongSupplier errors) {
        this.storeErrors = errors;
    }

    /** Prometheus text exposition format, version 0.0.4. */
    public String render() {
        StringBuilder out = new StringBuilder(2048);
        out.append("# HELP llmproxy_authz_decisions_total Authorization decisions by outcome and token label.\n");
        out.append("# TYPE llmproxy_authz_decisions_total counter\n");
        decisions.forEach((k, v) -> out.append("llmproxy_authz_decisions_total{outcome=\"").append(k.outcome().label())
                .append("\",token_label=\"").append(k.tokenLabel()).append("\"} ").append(v.sum()).append('\n'));
        out.append("# HELP llmproxy_ratelimit_decision_seconds Time to take one rate-limit decision.\n");
        out.append("# TYPE llmproxy_ratelimit_decision_seconds histogram\n");
        limiterSeconds.render(out, "llmproxy_ratelimit_decision_seconds");
        out.append("# HELP llmproxy_ratelimit_store_errors_total Calls to the rate-limit store that failed.\n");
        out.append("# TYPE llmproxy_ratelimit_store_errors_total counter\n");
        out.append("llmproxy_ratelimit_store_errors_total ").append(storeErrors.getAsLong()).append('\n');
        return out.toString();
    }
}
