package dev.llmproxy.ollama;

import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.support.Json;
import dev.llmproxy.upstream.Http1Client;
import java.time.Duration;

/**
 * Calls Ollama's native API over blocking HTTP/1.1 ({@link Http1Client}), one virtual thread per call.
 * A call is made first and executed after, so a caller whose client went away can cancel it at any
 * moment: the connection closes and Ollama stops generating. Each call goes to one of the backend's replicas,
 * picked as it is executed, with the backend's key and configured headers.
 */
public final class OllamaClient implements AutoCloseable {
    private final Http1Client http;

    public OllamaClient(BackendSpec backend, Duration connectTimeout, Duration readTimeout) {
        this.http = new Http1Client(backend, connectTimeout, readTimeout);
    }

    /** A POST of {@code body} as JSON, to execute; the answer's body must be closed. */
    public Http1Client.Call post(String path, Object body, String requestId) {
        return http.post(path, Json.bytes(body), requestId);
    }

    public Http1Client.Call get(String path, Duration timeout) {
        return http.get(path, timeout);
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
