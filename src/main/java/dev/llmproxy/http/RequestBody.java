package dev.llmproxy.http;

import dev.llmproxy.openai.OpenAiError;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;

/** Reads a request body up to the configured limit, the same limit nginx applies. */
final class RequestBody {
    private RequestBody() {}

    static byte[] read(Context ctx, long max) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            throw new ApiException(OpenAiError.bodyTooLarge(max));
        }
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] body = in.readNBytes((int) max + 1);
            if (body.length > max) {
                throw new ApiException(OpenAiError.bodyTooLarge(max));
            }
            return body;
        } catch (IOException e) {
            throw new ApiException(new OpenAiError(400, "invalid_request_error", "body_read_failed", "The request body could not be read."));
        }
    }
}
