package dev.llmproxy.contract;

import java.time.Duration;

/** Durations written the way OpenAI's reset headers write them (Go style): {@code 120ms}, {@code 1s}, {@code 6m0s}, {@code 1h2m3s}. */
final class GoDuration {
    private GoDuration() {}

    static String format(Duration d) {
        long ms = ceilMillis(d);
        if (ms < 1000) {
            return ms + "ms";
        }
        long s = ceilSeconds(d);
        long h = s / 3600;
        long m = s % 3600 / 60;
        long sec = s % 60;
        if (h > 0) {
            return h + "h" + m + "m" + sec + "s";
        }
        return m > 0 ? m + "m" + sec + "s" : sec + "s";
    }

    static long ceilSeconds(Duration d) {
        return (d.toNanos() + 999_999_999L) / 1_000_000_000L;
    }

    static long ceilMillis(Duration d) {
        return (d.toNanos() + 999_999L) / 1_000_000L;
    }
}
