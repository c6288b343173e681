package dev.llmproxy.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small HTTP client for tests. Header pairs are given as name, value, name, value... */
public final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private Http() {}

    public static HttpResponse<String> post(URI uri, String body, String... headers) {
        return send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)), headers);
    }

    public static HttpResponse<String> get(URI uri, String... headers) {
        return send(HttpRequest.newBuilder(uri).GET(), headers);
    }

    public static HttpResponse<String> send(HttpRequest.Builder req, String... headers) {
        req.timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            req.header(headers[i], headers[i + 1]);
        }
        try {
            return CLIENT.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public static HttpClient client() {
        return CLIENT;
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }
}
