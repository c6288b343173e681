package dev.llmproxy.vllm;

import dev.llmproxy.backends.UpstreamUrl;
import dev.llmproxy.support.Secret;
import dev.llmproxy.upstream.Http1Client;
import java.time.Duration;
import java.util.Optional;

/**
 * Calls a vLLM server's OpenAI-compatible API with the gateway's own key (never the client's token),
 * over the same blocking HTTP/1.1 client as Ollama: a call is made first and executed after, so a caller
 * whose client went away can cancel it, and answers come back as streams so that server-sent events can
 * be relayed as they arrive.
 */
public final class VllmClient implements AutoCloseable {
    private final Optional<Secret> apiKey;
    private final Http1Client http;

    public VllmClient(UpstreamUrl base, Optional<Secret> apiKey, Duration connectTimeout, Duration readTimeout) {
        this.apiKey = apiKey;
        this.http = new Http1Client(base, connectTimeout, readTimeout);
    }

    /** A POST of {@code body} (JSON) to {@code path}, e.g. {@code /v1/chat/completions}, to execute. */
    public Http1Client.Call post(String path, byte[] body, String accept, String requestId) {
        Http1Client.Call call = authorized(http.post(path, body, requestId));
        if (accept != null && !accept.isBlank() && accept.indexOf('\r') < 0 && accept.indexOf('\n') < 0) {
            call.header("Accept", accept);
        }
        return call;
    }

    public Http1Client.Call get(String path, String requestId, Duration timeout) {
        return authorized(http.get(path, requestId, timeout));
    }

    private Http1Client.Call authorized(Http1Client.Call call) {
        apiKey.ifPresent(k -> call.header("Authorization", "Bearer " + k.value()));
        return call;
    }

    @Override
    public void close() {
        http.close();
    }
}
