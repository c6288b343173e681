package dev.llmproxy.vllm;

import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.upstream.Http1Client;
import java.time.Duration;

/**
 * Calls an OpenAI-compatible backend (vLLM, or any such server) with the gateway's own key and the backend's
 * configured headers (never the client's token), over the same blocking HTTP/1.1 client as Ollama, balanced over
 * the backend's replicas: a call is made first and executed after, so a caller whose client went away can cancel
 * it, and answers come back as streams so that server-sent events can be relayed as they arrive.
 */
public final class VllmClient implements AutoCloseable {
    private final Http1Client http;

    public VllmClient(BackendSpec backend, Duration connectTimeout, Duration readTimeout) {
        this.http = new Http1Client(backend, connectTimeout, readTimeout);
    }

    /** A POST of {@code body} (JSON) to {@code path}, e.g. {@code /v1/chat/completions}, to execute. */
    public Http1Client.Call post(String path, byte[] body, String accept, String requestId) {
        Http1Client.Call call = http.post(path, body, requestId);
        if (accept != null && !accept.isBlank() && accept.indexOf('\r') < 0 && accept.indexOf('\n') < 0) {
            call.header("Accept", accept);
        }
        return call;
    }

    public Http1Client.Call get(String path, String requestId, Duration timeout) {
        return http.get(path, requestId, timeout);
    }

    /** Each replica's load, for metrics. */
    public java.util.Map<String, dev.llmproxy.upstream.Replicas.Load> load() {
        return http.load();
    }

    @Override
    public void close() {
        http.close();
    }
}
