package dev.llmproxy.ratelimit;

/** A token's limits; 0 means that window is not limited. */
public record Quota(long rpm, long rpd) {
    public static final Quota UNLIMITED = new Quota(0, 0);

    public Quota {
        // Each window spaces requests in whole microseconds (see Gcra): at most one request per µs.
        if (rpm < 0 || rpd < 0 || rpm > LimitWindow.MINUTE.micros() || rpd > LimitWindow.DAY.micros()) {
            throw new IllegalArgumentException("limits are positive and at most one per microsecond, or 0 for none");
        }
    }

    public long limit(LimitWindow window) {
        return window == LimitWindow.MINUTE ? rpm : rpd;
    }

    public boolean unlimited() {
        return rpm == 0 && rpd == 0;
    }
}
