package dev.llmproxy.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.contract.OpenAiError;
import dev.llmproxy.support.Json;
import dev.llmproxy.upstream.Http1Client;
import dev.llmproxy.vllm.VllmClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays a call to vLLM and its answer back, byte for byte and flushed as it arrives, so server-sent
 * events reach the client one by one. Errors become OpenAI-shaped JSON; a stream that breaks midway ends
 * with an error event, never with the {@code [DONE]} of a normal end.
 */
public final class VllmRelay {
    private static final Logger LOG = LoggerFactory.getLogger(VllmRelay.class);
    private final VllmClient vllm;
    private final String backend;

    /** @param backend the backend's name, for the client's error messages and the log */
    public VllmRelay(VllmClient vllm, String backend) {
        this.vllm = vllm;
        this.backend = backend;
    }

    /**
     * Sends {@code body} to vLLM at {@code pathAndQuery} and relays the answer; throws {@link ApiException} for an
     * error answered before any byte of the answer.
     */
    public void forward(ClientChannel client, String pathAndQuery, byte[] body, String requestId) {
        try {
            Http1Client.Call call = vllm.post(pathAndQuery, body, client.requestHeader("Accept"), requestId);
            client.onGone(call::cancel); // the connection closes: vLLM stops generating for nobody
            Http1Client.Response response = UpstreamCalls.execute(call, client, backend);
            int status = response.status();
            if (status >= 400) {
                throw new ApiException(upstreamError(status, UpstreamCalls.errorBody(response), backend));
            }
            try (InputStream upstream = response.body()) {
                String contentType = response.headers().getOrDefault("content-type", "application/json");
                boolean sse = contentType.startsWith("text/event-stream");
                OutputStream out = client.start(status, contentType, sse ? SseWriter.HEADERS : Map.of());
                relay(upstream, out, sse, requestId, client, backend);
            } catch (IOException e) {
                // Closing the upstream stream (try-with-resources) drops the connection: vLLM stops generating.
                LOG.debug("request {}: relay ended early: {}", requestId, e.toString());
            }
        } catch (ClientGone e) {
            LOG.debug("request {}: client went away; vLLM request closed", requestId);
        }
    }

    private static void relay(
            InputStream upstream, OutputStream out, boolean sse, String requestId, ClientChannel client, String backend)
            throws IOException {
        byte[] buf = new byte[16 * 1024];
        while (true) {
            int n;
            try {
                n = upstream.read(buf);
            } catch (IOException upstreamFailed) {
                if (client.gone()) {
                    return; // we closed it: the client left
                }
                LOG.warn(
                        "request {}: the {} backend's stream broke: {}", requestId, backend, upstreamFailed.toString());
                if (sse) {
                    new SseWriter(out).error(ErrorCode.BACKEND_ERROR.error(backend, "the stream ended unexpectedly."));
                }
                return;
            }
            if (n < 0) {
                return;
            }
            out.write(buf, 0, n);
            out.flush(); // an IOException here means the client left
        }
    }

    /**
     * vLLM's errors as OpenAI errors. Current vLLM already answers {@code {"error":{...}}}; older versions
     * answer {@code {"object":"error","message":...}}. A 401/403 means the gateway's own key was refused:
     * the client's token is fine, so they get a 502 rather than a misleading auth error.
     */
    static OpenAiError upstreamError(int status, byte[] body, String backend) {
        if (status == 401 || status == 403) {
            return ErrorCode.BACKEND_ERROR.error(
                    backend, "it refused the gateway's credentials (HTTP " + status + ").");
        }
        String type = status >= 500 ? "server_error" : "invalid_request_error";
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            JsonNode detail = root != null && root.path("error").isObject() ? root.path("error") : root;
            if (detail instanceof ObjectNode o && o.path("message").isTextual()) {
                String code = o.path("code").isTextual() ? o.path("code").asText() : null;
                String t = o.path("type").isTextual() ? o.path("type").asText() : type;
                return OpenAiError.relayed(status, t, code, o.path("message").asText());
            }
        } catch (IOException notJson) {
            // fall through to a generic message
        }
        return OpenAiError.relayed(status, type, null, "The " + backend + " backend answered HTTP " + status + ".");
    }
}
