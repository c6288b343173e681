package dev.llmproxy.http;

import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.contract.GatewayHeaders;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounds the request bodies the sidecar holds at once. Every model call's body is read into its heap (behind
 * nginx too), so many large prompts at once could exhaust it; a call whose body does not fit waits a moment
 * for room, then gets a 503 to retry, rather than the process running out of memory for everyone. A call
 * counts twice its body: the body and one working copy (a renamed body's splice, a chunked body's pieces,
 * the Ollama translation). The room a call took is given back when its handling ends (a stream's, when the
 * stream ends).
 */
final class BodyBudget {
    private static final int UNIT = 1024;
    private static final String ATTRIBUTE = "llmproxy.bodyBudget";
    static final Duration WAIT = Duration.ofSeconds(2);

    private final int total;
    // Not fair: a small call must not queue behind a large one waiting for room.
    private final Semaphore room;
    private final LongAdder refused = new LongAdder();

    BodyBudget(long bytes) {
        total = (int) Math.min(Integer.MAX_VALUE, Math.max(1, bytes / UNIT));
        room = new Semaphore(total);
    }

    /** Takes room for a body of {@code bytes} for this request, or throws the 503. */
    void reserve(Context ctx, long bytes) {
        // A body larger than the whole budget takes all of it (it fits once nothing else is held).
        int units = (int) Math.min(total, Math.max(1, (2 * bytes + UNIT - 1) / UNIT));
        boolean got = room.tryAcquire(units);
        if (!got) {
            try {
                got = room.tryAcquire(units, WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!got) {
            refused.increment();
            throw new ApiException(ErrorCode.OVERLOADED.error(), Map.of(GatewayHeaders.RETRY_AFTER, "1"));
        }
        ctx.attribute(ATTRIBUTE, units);
    }

    /** Gives back what this request took, if anything; called once its handling has ended. */
    void release(Context ctx) {
        Integer units = ctx.attribute(ATTRIBUTE);
        if (units != null) {
            ctx.attribute(ATTRIBUTE, null);
            room.release(units);
        }
    }

    /** Room left, in bytes of bodies held (each call counts twice its body). */
    long available() {
        return (long) room.availablePermits() * UNIT;
    }

    long refusals() {
        return refused.sum();
    }
}
