package dev.llmproxy.config;

import java.net.http.HttpClient;
import java.time.Duration;

/** The HTTP client every upstream (vLLM, Ollama) is called with: HTTP/1.1, bounded connect, no redirects. */
public final class UpstreamHttp {
    private UpstreamHttp() {}

    public static HttpClient client(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER) // a redirect must not take a request somewhere else
                .build();
    }
}
