package dev.llmproxy.ratelimit;

import java.time.Duration;

/** The two windows every token is limited over. */
public enum LimitWindow {
    MINUTE(Duration.ofMinutes(1), "requests per min (RPM)"),
    DAY(Duration.ofDays(1), "requests per day (RPD)");

    private final long micros;
    private final String description;

    LimitWindow(Duration length, String description) {
        this.micros = length.toNanos() / 1_000;
        this.description = description;
    }

    public long micros() {
        return micros;
    }

    public String description() {
        return description;
    }
}
