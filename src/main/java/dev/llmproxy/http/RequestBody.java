package dev.llmproxy.http;

import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.ErrorCode;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;

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
            drain(ctx); // answering before the body is read would cost the caller (nginx) its connection
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
     * Reads and drops a body within the limit, holding none of it (64 KB at a time), so that a refusal reaches the
     * client: answering before a body is read makes the server close the connection while the client still sends,
     * and the client may then see a reset instead of the answer (and an SDK retries it). A body over the limit is
     * left unread.
     */
    static void discard(Context ctx, long max) {
        long declared = ctx.req().getContentLengthLong();
        if (declared <= max) {
            drain(ctx);
        }
    }

    private static final int DRAIN_BUFFER = 64 * 1024;

    private static void drain(Context ctx) {
        byte[] scratch = new byte[DRAIN_BUFFER];
        try (InputStream in = ctx.req().getInputStream()) {
            while (in.read(scratch) >= 0) {
                // discarded
            }
        } catch (IOException e) {
            // the connection is lost either way
        }
    }

    private static ApiException unreadable() {
        return new ApiException(ErrorCode.BODY_READ_FAILED.error());
    }
}
