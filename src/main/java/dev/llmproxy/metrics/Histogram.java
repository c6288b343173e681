package dev.llmproxy.metrics;

import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram with fixed bucket bounds in seconds; lock-free to record. */
final class Histogram {
    private final double[] bounds;
    private final LongAdder[] counts;
    private final LongAdder sumNanos = new LongAdder();
    private final LongAdder count = new LongAdder();

    Histogram(double... bounds) {
        this.bounds = bounds;
        this.counts = new LongAdder[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void record(long nanos) {
        double seconds = nanos / 1e9;
        for (int i = 0; i < bounds.length; i++) {
            if (seconds <= bounds[i]) {
                counts[i].increment();
                break;
            }
        }
        sumNanos.add(nanos);
        count.increment();
    }

    /** @param labels rendered label pairs such as {@code backend="ollama"}, or "" */
    void render(StringBuilder out, String name, String labels) {
        String sep = labels.isEmpty() ? "" : labels + ",";
        String own = labels.isEmpty() ? "" : "{" + labels + "}";
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts[i].sum();
            out.append(name)
                    .append("_bucket{")
                    .append(sep)
                    .append("le=\"")
                    .append(bounds[i])
                    .append("\"} ")
                    .append(cumulative)
                    .append('\n');
        }
        out.append(name)
                .append("_bucket{")
                .append(sep)
                .append("le=\"+Inf\"} ")
                .append(count.sum())
                .append('\n');
        out.append(name)
                .append("_sum")
                .append(own)
                .append(' ')
                .append(sumNanos.sum() / 1e9)
                .append('\n');
        out.append(name)
                .append("_count")
                .append(own)
                .append(' ')
                .append(count.sum())
                .append('\n');
    }
}
