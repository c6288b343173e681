package dev.llmproxy.vllm;

import dev.llmproxy.config.Secret;
import dev.llmproxy.config.UpstreamHttp;
import dev.llmproxy.config.UpstreamUrl;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Calls a vLLM server's OpenAI-compatible API with the gateway's own key (never the client's token).
 * Responses come back as streams so that server-sent events can be relayed as they arrive.
 */
public final class VllmClient {
    private final UpstreamUrl base;
    private final Optional<Secret> apiKey;
    private final Duration readTimeout;
    private final HttpClient http;

    public VllmClient(UpstreamUrl base, Optional<Secret> apiKey, Duration connectTimeout, Duration readTimeout) {
        this.base = base;
        this.apiKey = apiKey;
        this.readTimeout = readTimeout;
        this.http = UpstreamHttp.client(connectTimeout);
    }

    /** POSTs {@code body} to {@code path} (e.g. {@code /v1/chat/completions}); the caller closes the body. */
    public HttpResponse<InputStream> post(String path, byte[] body, String accept, String requestId)
            throws IOException, InterruptedException {
        HttpRequest.Builder req = request(path, requestId)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (accept != null && !accept.isBlank()) {
            req.header("Accept", accept);
        }
        return http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    public HttpResponse<byte[]> get(String path, String requestId, Duration timeout) throws IOException, InterruptedException {
        return http.send(request(path, requestId).timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpRequest.Builder request(String path, String requestId) {
        // The timeout bounds the wait for the response head; a stream then runs as long as the model writes.
        HttpRequest.Builder req = HttpRequest.newBuilder(base.resolve(path)).timeout(readTimeout);
        apiKey.ifPresent(k -> req.header("Authorization", "Bearer " + k.value()));
        if (requestId != null) {
            req.header("X-Request-ID", requestId);
        }
        return req;
    }
}
