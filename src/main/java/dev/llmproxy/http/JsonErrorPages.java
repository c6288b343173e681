package dev.llmproxy.http;

import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.contract.GatewayHeaders;
import dev.llmproxy.contract.OpenAiError;
import dev.llmproxy.contract.VerdictHeaders;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The answers Jetty writes on its own (a request it cannot parse, a URI or headers too long, an unknown
 * protocol version, an error raised in the servlet layer beneath Javalin) as OpenAI error JSON, whatever the
 * client's {@code Accept}: never Jetty's HTML page. Installed as the server's and the servlet context's error
 * handler.
 */
final class JsonErrorPages extends ErrorHandler {
    private final long maxBodyBytes;

    JsonErrorPages(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * The catalog's error for a status the web server chose. A status the catalog has no entry for becomes
     * its class's catch-all (400 or 500), and the answer takes that entry's status.
     */
    OpenAiError forStatus(int status) {
        return switch (status) {
            case 404 -> ErrorCode.UNKNOWN_URL.error();
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED.error();
            case 408 -> ErrorCode.REQUEST_TIMEOUT.error();
            case 413 -> ErrorCode.REQUEST_TOO_LARGE.error(maxBodyBytes);
            case 414 -> ErrorCode.URI_TOO_LONG.error();
            case 417 -> ErrorCode.EXPECTATION_FAILED.error();
            case 431 -> ErrorCode.HEADERS_TOO_LARGE.error();
            case 501 -> ErrorCode.NOT_IMPLEMENTED.error();
            case 426 -> ErrorCode.UPGRADE_REQUIRED.error();
            case 505 -> ErrorCode.UNSUPPORTED_PROTOCOL.error();
            // Jetty's 503 is the sidecar stopping: to the client, the same as nginx not reaching it.
            case 503 -> ErrorCode.AUTHZ_UNAVAILABLE.error();
            default -> status >= 500 ? ErrorCode.INTERNAL_ERROR.error() : ErrorCode.BAD_REQUEST.error();
        };
    }

    @Override
    public boolean errorPageForMethod(String method) {
        return true; // an unknown method deserves a body too
    }

    @Override
    protected void generateResponse(
            Request request, Response response, int code, String message, Throwable cause, Callback callback)
            throws IOException {
        OpenAiError error = forStatus(code);
        if (error.status() == 503) {
            response.getHeaders().put(GatewayHeaders.RETRY_AFTER, VerdictHeaders.UNAVAILABLE_RETRY_AFTER_SECONDS);
        }
        response.setStatus(error.status());
        if (!generateAcceptableResponse(
                request,
                response,
                callback,
                "application/json",
                List.of(StandardCharsets.UTF_8),
                error.status(),
                message,
                cause)) {
            callback.succeeded();
        }
    }

    @Override
    protected void writeErrorJson(Request request, PrintWriter writer, int code, String message, Throwable cause) {
        writer.write(new String(forStatus(code).toJson(), StandardCharsets.UTF_8));
    }
}
