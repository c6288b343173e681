package dev.llmproxy.ollama;

import dev.llmproxy.config.UpstreamHttp;
import dev.llmproxy.config.UpstreamUrl;
import dev.llmproxy.openai.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Calls Ollama's native API. Calls are asynchronous so that a caller whose client went away can cancel
 * them: cancelling the future, or closing a response body, closes the connection and Ollama stops.
 */
public final class OllamaClient {
    private final UpstreamUrl base;
    private final Duration readTimeout;
    private final HttpClient http;

    public OllamaClient(UpstreamUrl base, Duration connectTimeout, Duration readTimeout) {
        this.base = base;
        this.readTimeout = readTimeout;
        this.http = UpstreamHttp.client(connectTimeout);
    }

    /** POSTs {@code body} as JSON; the response body is a stream the caller must close. */
    public CompletableFuture<HttpResponse<InputStream>> post(String path, Object body, String requestId) {
        HttpRequest req = HttpRequest.newBuilder(base.resolve(path))
                .timeout(readTimeout) // until the response head: a stream then runs as long as the model writes
                .header("Content-Type", "application/json")
                .header("X-Request-ID", requestId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)))
                .build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream());
    }

    public HttpResponse<byte[]> get(String path, Duration timeout) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
