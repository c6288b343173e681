package dev.llmproxy.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.openai.OpenAiError;
import dev.llmproxy.upstream.Http1Client;
import dev.llmproxy.vllm.VllmClient;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays a call to vLLM and its answer back, byte for byte and flushed as it arrives, so server-sent
 * events reach the client one by one. Errors become OpenAI-shaped JSON; a stream that breaks midway ends
 * with an error event, never with the {@code [DONE]} of a normal end.
 */
final class VllmRelay {
    private static final Logger LOG = LoggerFactory.getLogger(VllmRelay.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final VllmClient vllm;

    VllmRelay(VllmClient vllm) {
        this.vllm = vllm;
    }

    void forward(Context ctx, String path, byte[] body, String requestId) {
        try (ClientWatch watch = ClientWatch.start(ctx)) {
            Http1Client.Call call = vllm.post(path, body, ctx.header("Accept"), requestId);
            watch.onGone(call::cancel); // the connection closes: vLLM stops generating for nobody
            Http1Client.Response response = UpstreamCalls.execute(call, watch, "vLLM");
            int status = response.status();
            if (status >= 400) {
                throw new ApiException(upstreamError(status, UpstreamCalls.errorBody(response)));
            }
            try (InputStream upstream = response.body()) {
                String contentType = response.headers().getOrDefault("content-type", "application/json");
                boolean sse = contentType.startsWith("text/event-stream");
                ctx.status(status);
                ctx.res().setContentType(contentType);
                if (sse) {
                    ctx.res().setHeader("Cache-Control", "no-cache");
                    ctx.res().setHeader("X-Accel-Buffering", "no");
                }
                relay(upstream, ctx.res().getOutputStream(), sse, requestId, watch);
            } catch (IOException e) {
                // Closing the upstream stream (try-with-resources) drops the connection: vLLM stops generating.
                LOG.debug("request {}: relay ended early: {}", requestId, e.toString());
            }
        } catch (ClientGone e) {
            LOG.debug("request {}: client went away; vLLM request closed", requestId);
        }
    }

    private static void relay(InputStream upstream, OutputStream client, boolean sse, String requestId, ClientWatch watch) throws IOException {
        byte[] buf = new byte[16 * 1024];
        while (true) {
            int n;
            try {
                n = upstream.read(buf);
            } catch (IOException upstreamFailed) {
                if (watch.gone()) {
                    return; // we closed it: the client left
                }
                LOG.warn("request {}: vLLM stream broke: {}", requestId, upstreamFailed.toString());
                if (sse) {
                    OpenAiError e = OpenAiError.backendUnavailable("The vLLM backend stream ended unexpectedly.");
                    client.write(("data: " + new String(e.toJson(), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8));
                    client.flush();
                }
                return;
            }
            if (n < 0) {
                return;
            }
            client.write(buf, 0, n);
            client.flush(); // an IOException here means the client left
        }
    }

    /**
     * vLLM's errors as OpenAI errors. Current vLLM already answers {@code {"error":{...}}}; older versions
     * answer {@code {"object":"error","message":...}}. A 401/403 means the gateway's own key was refused:
     * the client's token is fine, so they get a 502 rather than a misleading auth error.
     */
    static OpenAiError upstreamError(int status, byte[] body) {
        if (status == 401 || status == 403) {
            return OpenAiError.backendUnavailable("The vLLM backend refused the gateway's credentials (HTTP " + status + ").");
        }
        String type = status >= 500 ? "server_error" : "invalid_request_error";
        try {
            JsonNode root = JSON.readTree(body);
            JsonNode detail = root != null && root.path("error").isObject() ? root.path("error") : root;
            if (detail instanceof ObjectNode o && o.path("message").isTextual()) {
                String code = o.path("code").isTextual() ? o.path("code").asText() : null;
                String t = o.path("type").isTextual() ? o.path("type").asText() : type;
                return new OpenAiError(status, t, code, o.path("message").asText());
            }
        } catch (IOException notJson) {
            // fall through to a generic message
        }
        return new OpenAiError(status, type, null, "The vLLM backend answered HTTP " + status + ".");
    }
}
