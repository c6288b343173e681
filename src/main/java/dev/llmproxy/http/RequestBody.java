package dev.llmproxy.http;

import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.ErrorCode;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * Reads a request body up to the configured limit, the same limit nginx applies. A body with a length (what
 * nginx always sends) is read into one array of exactly that size: a large prompt is held once, not copied.
 */
final class RequestBody {
    private RequestBody() {}

    static byte[] read(Context ctx, long max, BodyBudget budget) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            throw new ApiException(ErrorCode.REQUEST_TOO_LARGE.error(max));
        }
        try {
            budget.reserve(ctx, declared >= 0 ? declared : max);
        } catch (ApiException refused) {
            drain(ctx, max); // answering before the body is read would cost the caller (nginx) its connection
            throw refused;
        }
        try (InputStream in = ctx.req().getInputStream()) {
            if (declared >= 0) {
                byte[] body = new byte[(int) declared];
                if (in.readNBytes(body, 0, body.length) < body.length) {
                    throw unreadable();
                }
                return body;
            }
            byte[] body = in.readNBytes((int) max + 1); // chunked: no length to size it by
            if (body.length > max) {
                throw new ApiException(ErrorCode.REQUEST_TOO_LARGE.error(max));
            }
            return body;
        } catch (IOException e) {
            throw unreadable();
        }
    }

    /**
     * Reads and drops a body of a declared length within the limit, holding none of it, so that a refusal reaches
     * the client: answering before a body is read makes the server close the connection while the client still
     * sends, and the client may then see a reset instead of the answer (and an SDK retries it). A chunked body,
     * one over the limit, or one that trickles in longer than {@link #DRAIN_TIME} is left: the connection closes.
     */
    static void discard(Context ctx, long max) {
        long declared = ctx.req().getContentLengthLong();
        String expect = ctx.header("Expect");
        if (expect != null && expect.equalsIgnoreCase("100-continue")) {
            // The client waits to be asked for its body: reading it would ask (100 Continue) for an upload only to
            // drop it. Not read; the connection closes after the answer.
            ctx.header("Connection", "close");
            return;
        }
        if (declared >= 0 && declared <= max) {
            drain(ctx, declared);
        }
    }

    /** How long a refused request's body may take to arrive before its connection is given up. */
    static final Duration DRAIN_TIME = Duration.ofSeconds(2);

    private static final int DRAIN_BUFFER = 8 * 1024;

    private static void drain(Context ctx, long max) {
        byte[] scratch = new byte[DRAIN_BUFFER];
        long deadline = System.nanoTime() + DRAIN_TIME.toNanos();
        long left = max;
        try (InputStream in = ctx.req().getInputStream()) {
            int n;
            while (left > 0
                    && System.nanoTime() < deadline
                    && (n = in.read(scratch, 0, (int) Math.min(scratch.length, left))) >= 0) {
                left -= n;
            }
        } catch (IOException e) {
            // the connection is lost either way
        }
    }

    private static ApiException unreadable() {
        return new ApiException(ErrorCode.BODY_READ_FAILED.error());
    }
}
