package dev.llmproxy.ratelimit;

/** A token's limits; 0 means that window is not limited. */
public record Quota(long rpm, long rpd) {
    public static final Quota UNLIMITED = new Quota(0, 0);
    /*
     * The limiter spaces requests in whole microseconds (see Gcra): window / limit, rounded down. At these
     * bounds that is at least 60 µs (minute) and 86 µs (day), so the rounding costs under 2% of a limit.
     */
    public static final long MAX_RPM = 1_000_000;
    public static final long MAX_RPD = 1_000_000_000;

    public Quota {
        if (rpm < 0 || rpd < 0 || rpm > MAX_RPM || rpd > MAX_RPD) {
            throw new IllegalArgumentException(
                    "rpm is at most " + MAX_RPM + " and rpd at most " + MAX_RPD + ", or 0 for no limit");
        }
    }

    public boolean unlimited() {
        return rpm == 0 && rpd == 0;
    }
}
