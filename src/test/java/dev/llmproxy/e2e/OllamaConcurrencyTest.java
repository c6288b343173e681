package dev.llmproxy.e2e;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.http.App;
import dev.llmproxy.ratelimit.RateLimiters;
import dev.llmproxy.testing.FakeOllama;
import dev.llmproxy.testing.Http;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Long streams must not exhaust the sidecar: 1,000 slow Ollama streams at once, all complete. */
class OllamaConcurrencyTest {
    static final String TOKEN = "sk-many-streams-0123";

    @Test
    void aThousandConcurrentSlowStreams() throws Exception {
        try (FakeOllama ollama = new FakeOllama()) {
            ollama.tokenDelayMillis = 100;
            ollama.slowTokens = 10; // each stream lasts about a second
            Config config = ConfigLoader.load(Map.of(
                    "TOKENS_JSON",
                    "[{\"token\":\"" + TOKEN + "\",\"label\":\"many\"}]",
                    "OLLAMA_BASE_URL",
                    ollama.baseUrl(),
                    "DEFAULT_BACKEND",
                    "ollama",
                    "SIDECAR_PORT",
                    "0"));
            Javalin sidecar = App.create(config, RateLimiters.create(config.store(), config.redisUrl(), config.redis()))
                    .start();
            int port = sidecar.port();
            try {
                var body = "{\"model\":\"slow\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
                List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    streams.add(Http.client()
                            .sendAsync(
                                    HttpRequest.newBuilder(
                                                    URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                                            .header("Authorization", "Bearer " + TOKEN)
                                            .POST(HttpRequest.BodyPublishers.ofString(body))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString()));
                }
                int complete = 0;
                List<String> failures = new ArrayList<>();
                for (var f : streams) {
                    HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                    if (r.statusCode() == 200
                            && r.body().endsWith("data: [DONE]\n\n")
                            && r.body().contains("t9 ")) {
                        complete++;
                    } else if (failures.size() < 3) {
                        failures.add(r.statusCode() + " " + r.body());
                    }
                }
                assertEquals(1000, complete, failures.toString());
                assertTrue(ollama.disconnects().isEmpty(), ollama.disconnects().toString());
            } finally {
                sidecar.stop();
            }
        }
    }
}
