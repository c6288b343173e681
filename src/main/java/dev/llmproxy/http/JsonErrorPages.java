package dev.llmproxy.http;

import dev.llmproxy.openai.OpenAiError;
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
    @Override
    public boolean errorPageForMethod(String method) {
        return true; // an unknown method deserves a body too
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback)
            throws IOException {
        if (code == 503) {
            response.getHeaders().put(GatewayHeaders.RETRY_AFTER, VerdictHeaders.UNAVAILABLE_RETRY_AFTER_SECONDS);
        }
        if (!generateAcceptableResponse(request, response, callback, "application/json", List.of(StandardCharsets.UTF_8), code, message, cause)) {
            callback.succeeded();
        }
    }

    @Override
    protected void writeErrorJson(Request request, PrintWriter writer, int code, String message, Throwable cause) {
        writer.write(new String(OpenAiError.forStatus(code).toJson(), StandardCharsets.UTF_8));
    }
}
