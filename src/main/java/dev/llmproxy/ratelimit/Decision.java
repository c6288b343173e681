package dev.llmproxy.ratelimit;

import java.time.Duration;

/**
 * The answer to one request: admitted or not, and the state of the window that binds (the one with the
 * fewest requests left, or the one that refused). {@code window} is null for a token without limits.
 *
 * @param reset time until the window is back to its full limit (OpenAI's meaning of the reset header)
 * @param retryAfter when refused, the earliest moment a retry can succeed; zero when admitted
 */
public record Decision(
        boolean allowed, LimitWindow window, long limit, long remaining, Duration reset, Duration retryAfter) {
    static final Decision UNLIMITED = new Decision(true, null, 0, 0, Duration.ZERO, Duration.ZERO);
    /**
     * Admitted without counting: the store could not be asked and the failure mode is open, or the request costs
     * no model time (listing models). It claims nothing about any window.
     */
    public static final Decision UNCOUNTED = new Decision(true, null, 0, 0, Duration.ZERO, Duration.ZERO);

    public boolean limited() {
        return window != null;
    }

    /** The daily allowance is spent: retrying within seconds cannot help. */
    public boolean dailyExhausted() {
        return !allowed && window == LimitWindow.DAY;
    }
}
