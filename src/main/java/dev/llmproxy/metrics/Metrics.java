package dev.llmproxy.metrics;

import dev.llmproxy.backends.BackendStatus;
import dev.llmproxy.backends.ReplicaStatus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The sidecar's Prometheus metrics. Labels are bounded: decision outcomes are a fixed set; token labels,
 * backends and replicas come from the configuration, never from a request.
 */
public final class Metrics {
    /** Authz decision outcomes. */
    public enum Outcome {
        ALLOWED,
        UNAUTHENTICATED,
        FORBIDDEN,
        RATE_LIMITED,
        STORE_ERROR;

        String label() {
            return name().toLowerCase();
        }
    }

    private record DecisionKey(Outcome outcome, String tokenLabel) {}

    private record TokenKey(String tokenLabel, String direction) {}

    private static final double[] UPSTREAM_BOUNDS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

    private final Map<DecisionKey, LongAdder> decisions = new ConcurrentHashMap<>();
    private final Histogram limiterSeconds =
            new Histogram(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25);
    private volatile LongSupplier storeErrors = () -> 0;
    private volatile LongSupplier bodyMemoryAvailable = () -> 0;
    private volatile LongSupplier bodyMemoryRefused = () -> 0;
    private final Map<String, Histogram> upstreamSeconds = new ConcurrentHashMap<>();
    private final Map<String, Histogram> firstTokenSeconds = new ConcurrentHashMap<>();
    private final Map<TokenKey, LongAdder> tokens = new ConcurrentHashMap<>();
    private volatile Supplier<List<BackendStatus>> backends = List::of;
    private volatile Supplier<List<ReplicaLoad>> replicas = List::of;

    public void decision(Outcome outcome, String tokenLabel) {
        decisions
                .computeIfAbsent(new DecisionKey(outcome, tokenLabel == null ? "" : tokenLabel), k -> new LongAdder())
                .increment();
    }

    public void limiterLatency(long nanos) {
        limiterSeconds.record(nanos);
    }

    /** A whole upstream call on the translated path; {@code endpoint} is a route template. */
    public void upstream(String backend, String endpoint, long nanos) {
        upstreamSeconds
                .computeIfAbsent(
                        "backend=\"" + backend + "\",endpoint=\"" + endpoint + "\"",
                        k -> new Histogram(UPSTREAM_BOUNDS))
                .record(nanos);
    }

    /** From the request to the first content written to a streaming client. */
    public void timeToFirstToken(String backend, long nanos) {
        firstTokenSeconds
                .computeIfAbsent("backend=\"" + backend + "\"", k -> new Histogram(UPSTREAM_BOUNDS))
                .record(nanos);
    }

    /** Tokens the model server reported for one answer. */
    public void tokens(String tokenLabel, long prompt, long completion) {
        String label = tokenLabel == null ? "" : tokenLabel;
        tokens.computeIfAbsent(new TokenKey(label, "prompt"), k -> new LongAdder())
                .add(prompt);
        tokens.computeIfAbsent(new TokenKey(label, "completion"), k -> new LongAdder())
                .add(completion);
    }

    public void storeErrors(LongSupplier errors) {
        this.storeErrors = errors;
    }

    /** The room left for request bodies, and the calls refused for want of it. */
    public void bodyBudget(LongSupplier available, LongSupplier refused) {
        this.bodyMemoryAvailable = available;
        this.bodyMemoryRefused = refused;
    }

    /** Each backend and replica as the last discovery left them. */
    public void backends(Supplier<List<BackendStatus>> statuses) {
        this.backends = statuses;
    }

    /**
     * A replica the sidecar sends calls to, and what it has had (see {@code upstream.Replicas.Load}). nginx balances
     * the OpenAI-type backends' calls itself: its access log's {@code upstream_addr} tells those.
     */
    public record ReplicaLoad(
            String backend, String replica, int inFlight, long calls, long refused, boolean resting) {}

    public void replicas(Supplier<List<ReplicaLoad>> loads) {
        this.replicas = loads;
    }

    /** Prometheus text exposition format, version 0.0.4. */
    public String render() {
        StringBuilder out = new StringBuilder(2048);
        out.append("# HELP llmproxy_authz_decisions_total Authorization decisions by outcome and token label.\n");
        out.append("# TYPE llmproxy_authz_decisions_total counter\n");
        decisions.forEach((k, v) -> out.append("llmproxy_authz_decisions_total{outcome=\"")
                .append(k.outcome().label())
                .append("\",token_label=\"")
                .append(k.tokenLabel())
                .append("\"} ")
                .append(v.sum())
                .append('\n'));
        out.append("# HELP llmproxy_ratelimit_decision_seconds Time to take one rate-limit decision.\n");
        out.append("# TYPE llmproxy_ratelimit_decision_seconds histogram\n");
        limiterSeconds.render(out, "llmproxy_ratelimit_decision_seconds", "");
        out.append("# HELP llmproxy_ratelimit_store_errors_total Calls to the rate-limit store that failed.\n");
        out.append("# TYPE llmproxy_ratelimit_store_errors_total counter\n");
        out.append("llmproxy_ratelimit_store_errors_total ")
                .append(storeErrors.getAsLong())
                .append('\n');
        out.append(
                "# HELP llmproxy_body_memory_available_bytes Room left for request bodies held by the sidecar (a call counts twice its body).\n");
        out.append("# TYPE llmproxy_body_memory_available_bytes gauge\n");
        out.append("llmproxy_body_memory_available_bytes ")
                .append(bodyMemoryAvailable.getAsLong())
                .append('\n');
        out.append(
                "# HELP llmproxy_body_memory_refusals_total Calls answered 503 overloaded for want of room for their body.\n");
        out.append("# TYPE llmproxy_body_memory_refusals_total counter\n");
        out.append("llmproxy_body_memory_refusals_total ")
                .append(bodyMemoryRefused.getAsLong())
                .append('\n');
        out.append("# HELP llmproxy_upstream_seconds Duration of calls the sidecar makes to a model server.\n");
        out.append("# TYPE llmproxy_upstream_seconds histogram\n");
        upstreamSeconds.forEach((labels, h) -> h.render(out, "llmproxy_upstream_seconds", labels));
        out.append("# HELP llmproxy_time_to_first_token_seconds From the request to the first streamed content.\n");
        out.append("# TYPE llmproxy_time_to_first_token_seconds histogram\n");
        firstTokenSeconds.forEach((labels, h) -> h.render(out, "llmproxy_time_to_first_token_seconds", labels));
        out.append("# HELP llmproxy_tokens_total Tokens reported by the model server, by token label and direction.\n");
        out.append("# TYPE llmproxy_tokens_total counter\n");
        tokens.forEach((k, v) -> out.append("llmproxy_tokens_total{token_label=\"")
                .append(k.tokenLabel())
                .append("\",direction=\"")
                .append(k.direction())
                .append("\"} ")
                .append(v.sum())
                .append('\n'));
        backends(out, backends.get());
        replicas(out, replicas.get());
        process(out);
        return out.toString();
    }

    private static void replicas(StringBuilder out, List<ReplicaLoad> loads) {
        replicaMetric(
                out,
                loads,
                "llmproxy_replica_calls_total",
                "counter",
                "Calls the sidecar sent to a replica: an Ollama backend's, or any when the sidecar runs alone (behind nginx, an OpenAI-type backend's calls are nginx's: see upstream_addr in its access log).",
                ReplicaLoad::calls);
        replicaMetric(
                out,
                loads,
                "llmproxy_replica_refused_total",
                "counter",
                "Calls a replica refused the connection to, each then tried on another replica.",
                ReplicaLoad::refused);
        replicaMetric(
                out,
                loads,
                "llmproxy_replica_in_flight",
                "gauge",
                "Calls sent to a replica and not answered to the end yet: the sidecar sends the next to the fewest.",
                ReplicaLoad::inFlight);
        replicaMetric(
                out,
                loads,
                "llmproxy_replica_resting",
                "gauge",
                "1 while a replica gets no calls, for 10 s after it refused a connection.",
                l -> l.resting() ? 1 : 0);
    }

    private static void replicaMetric(
            StringBuilder out,
            List<ReplicaLoad> loads,
            String name,
            String type,
            String help,
            java.util.function.ToLongFunction<ReplicaLoad> value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        for (ReplicaLoad l : loads) {
            out.append(name)
                    .append("{backend=\"")
                    .append(l.backend())
                    .append("\",replica=\"")
                    .append(l.replica())
                    .append("\"} ")
                    .append(value.applyAsLong(l))
                    .append('\n');
        }
    }

    private static void backends(StringBuilder out, List<BackendStatus> statuses) {
        out.append(
                "# HELP llmproxy_backend_up Whether a replica answered the last refresh (its model list, or a connection when its models are configured).\n");
        out.append("# TYPE llmproxy_backend_up gauge\n");
        for (BackendStatus b : statuses) {
            for (ReplicaStatus r : b.replicas()) {
                out.append("llmproxy_backend_up{backend=\"")
                        .append(b.name())
                        .append("\",replica=\"")
                        .append(r.replica())
                        .append("\"} ")
                        .append(r.up() ? 1 : 0)
                        .append('\n');
            }
        }
        out.append(
                "# HELP llmproxy_backend_models Models a backend serves: found on its replicas (the last list kept while they fail), or configured.\n");
        out.append("# TYPE llmproxy_backend_models gauge\n");
        for (BackendStatus b : statuses) {
            long models = b.backend().discovers()
                    ? b.discovered().size()
                    : b.backend().configuredModels().size();
            out.append("llmproxy_backend_models{backend=\"")
                    .append(b.name())
                    .append("\"} ")
                    .append(models)
                    .append('\n');
        }
        out.append("# HELP llmproxy_backend_refresh_timestamp_seconds When a backend's replicas were last asked.\n");
        out.append("# TYPE llmproxy_backend_refresh_timestamp_seconds gauge\n");
        for (BackendStatus b : statuses) {
            b.refreshedAt()
                    .ifPresent(at -> out.append("llmproxy_backend_refresh_timestamp_seconds{backend=\"")
                            .append(b.name())
                            .append("\"} ")
                            .append(at.toEpochMilli() / 1000.0)
                            .append('\n'));
        }
    }

    /** The process itself, so leaks show up in the same scrape (and in the soak report). */
    private static void process(StringBuilder out) {
        var heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        out.append("# HELP llmproxy_jvm_heap_used_bytes Heap in use.\n# TYPE llmproxy_jvm_heap_used_bytes gauge\n");
        out.append("llmproxy_jvm_heap_used_bytes ").append(heap.getUsed()).append('\n');
        out.append(
                "# HELP llmproxy_jvm_threads Live platform threads (virtual threads are not counted).\n# TYPE llmproxy_jvm_threads gauge\n");
        out.append("llmproxy_jvm_threads ").append(threads.getThreadCount()).append('\n');
        long rss = residentBytes();
        if (rss >= 0) {
            out.append(
                    "# HELP process_resident_memory_bytes Resident memory size.\n# TYPE process_resident_memory_bytes gauge\n");
            out.append("process_resident_memory_bytes ").append(rss).append('\n');
        }
    }

    private static long residentBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: no RSS figure
        }
        return -1;
    }
}
