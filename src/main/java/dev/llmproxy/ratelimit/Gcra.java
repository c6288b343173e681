package dev.llmproxy.ratelimit;

import java.time.Duration;

/**
 * The Generic Cell Rate Algorithm, applied to the minute and day windows at once. Each window is a
 * bucket of {@code limit} requests refilled evenly over the window (one every {@code window/limit}); a
 * request is admitted only when both windows have room, and only then are both updated. The state of a
 * window is one number, its theoretical arrival time (TAT): the moment it would be full again.
 * All times are microseconds. The Redis store's script does the same arithmetic.
 */
public final class Gcra {
    private Gcra() {}

    /** New state and the decision, for a request at {@code now} against windows at the given TATs. */
    public record Outcome(Decision decision, long minuteTat, long dayTat) {}

    public static Outcome evaluate(long minuteTat, long dayTat, long now, Quota quota) {
        if (quota.unlimited()) {
            return new Outcome(Decision.UNLIMITED, minuteTat, dayTat);
        }
        Step minute = Step.of(LimitWindow.MINUTE, quota.rpm(), minuteTat, now);
        Step day = Step.of(LimitWindow.DAY, quota.rpd(), dayTat, now);
        boolean allowed = minute.allowed() && day.allowed();
        Decision decision = allowed ? admitted(minute, day) : refused(minute, day);
        return allowed
                ? new Outcome(decision, minute.newTat(), day.newTat())
                : new Outcome(decision, minuteTat, dayTat);
    }

    private static Decision admitted(Step minute, Step day) {
        Step binding = tighter(minute, day);
        return new Decision(
                true, binding.window(), binding.limit(), binding.remaining(), micros(binding.reset()), Duration.ZERO);
    }

    private static Decision refused(Step minute, Step day) {
        // The day refusing decides the class of the answer: no retry within the minute can help then.
        Step binding = day.limited() && !day.allowed() ? day : minute;
        long retry = Math.max(minute.allowed() ? 0 : minute.retryAfter(), day.allowed() ? 0 : day.retryAfter());
        return new Decision(false, binding.window(), binding.limit(), 0, micros(binding.reset()), micros(retry));
    }

    /** The window with fewer requests left; on a tie, the one that takes longer to refill. */
    private static Step tighter(Step a, Step b) {
        if (!a.limited()) {
            return b;
        }
        if (!b.limited()) {
            return a;
        }
        if (a.remaining() != b.remaining()) {
            return a.remaining() < b.remaining() ? a : b;
        }
        return a.reset() >= b.reset() ? a : b;
    }

    private static Duration micros(long us) {
        return Duration.ofNanos(us * 1_000);
    }

    /** One window's verdict. An unlimited window always allows and never binds. */
    private record Step(
            LimitWindow window, long limit, boolean allowed, long newTat, long remaining, long reset, long retryAfter) {
        static Step of(LimitWindow window, long limit, long tat, long now) {
            if (limit == 0) {
                return new Step(window, 0, true, tat, Long.MAX_VALUE, 0, 0);
            }
            long period = window.micros() / limit; // one request's worth of refill
            long capacity = period * limit; // the full bucket, as time
            long base = Math.max(tat, now);
            long newTat = base + period;
            if (newTat - now <= capacity) {
                return new Step(window, limit, true, newTat, (capacity - (newTat - now)) / period, newTat - now, 0);
            }
            return new Step(window, limit, false, tat, 0, base - now, newTat - capacity - now);
        }

        boolean limited() {
            return limit > 0;
        }
    }
}
