package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.http.App;
import dev.llmproxy.ratelimit.MemoryRateLimiter;
import dev.llmproxy.testing.FakeOllama;
import dev.llmproxy.testing.FakeVllm;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Ports;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sidecar alone with backends whose models are discovered: two OpenAI-type backends (one with two
 * replicas) and an Ollama, none with {@code models} (and a backend with {@code models} that nothing answers for).
 * Routing follows what they list, {@code /v1/models} answers from what discovery found, {@code /v1/models/{id}}
 * by every name a call reaches a model by, and a replica that goes away shows in {@code /readyz} and
 * {@code /metrics}.
 */
class DiscoveryTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "sk-discovery-team-0123";

    FakeVllm a1;
    FakeVllm a2;
    FakeVllm b;
    FakeOllama ollama;
    Javalin sidecar;

    @BeforeEach
    void start() throws Exception {
        a1 = new FakeVllm(null);
        a2 = new FakeVllm(null);
        b = new FakeVllm(null);
        ollama = new FakeOllama();
        a1.models = List.of("shared", "moving");
        a2.models = List.of("shared", "only-on-a2");
        b.models = List.of("beta-model");
        Map<String, String> env = new HashMap<>();
        env.put("TOKENS_JSON", "[{\"token\":\"" + TOKEN + "\",\"label\":\"team\"}]");
        env.put("BACKENDS_JSON", """
                [{"name":"alpha","type":"openai","urls":["%s/v1","%s/v1"]},
                 {"name":"beta","type":"openai","urls":["%s"],"aliases":{"fast":"beta-model"}},
                 {"name":"ollama","type":"ollama","urls":["%s"]},
                 {"name":"echo","type":"echo"},
                 {"name":"deadm","type":"openai","urls":["http://127.0.0.1:%d"],"models":["m1"]}]
                """.formatted(
                        a1.baseUrl(), a2.baseUrl(), b.baseUrl(), ollama.baseUrl(), Ports.free()));
        env.put("SIDECAR_PORT", "0");
        sidecar = App.create(ConfigLoader.load(env), new MemoryRateLimiter(Clock.systemUTC()))
                .start();
    }

    @AfterEach
    void stop() {
        sidecar.stop();
        a1.close();
        a2.close();
        b.close();
        ollama.close();
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + sidecar.port() + path);
    }

    HttpResponse<String> chat(String model) {
        return Http.post(
                url("/v1/chat/completions"),
                "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                "Authorization",
                bearer(TOKEN));
    }

    List<String> modelIds() throws Exception {
        var r = Http.get(url("/v1/models"), "Authorization", bearer(TOKEN));
        assertEquals(200, r.statusCode(), r.body());
        List<String> ids = new ArrayList<>();
        JSON.readTree(r.body()).path("data").forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }

    /** The models of the calls alpha's replicas received, in either. */
    List<String> alphaModels() {
        List<String> models = new java.util.ArrayList<>();
        for (FakeVllm replica : List.of(a1, a2)) {
            replica.received().forEach(r -> models.add(r.json().path("model").asText()));
        }
        return models;
    }

    @Test
    void anUnprefixedModelGoesToTheBackendThatListsItAndFollowsItWhenItMoves() throws Exception {
        assertTrue(a1.listings() > 0 && b.listings() > 0 && ollama.listings() > 0, "discovered before the first call");

        assertEquals(200, chat("moving").statusCode());
        assertEquals(List.of("moving"), alphaModels());
        assertEquals(200, chat("beta-model").statusCode());
        assertEquals(1, b.received().size());
        var viaOllama = chat("llama3.2");
        assertEquals(200, viaOllama.statusCode(), viaOllama.body());
        assertEquals("/api/chat", ollama.last().path());
        assertEquals(404, chat("nobody-serves-this").statusCode(), "no default backend");

        a1.models = List.of("shared");
        b.models = List.of("beta-model", "moving");
        chat("moving"); // a1 answers 404 now, but until the next refresh the old list routes
        assertEquals(2, alphaModels().size());
        App.discovery(sidecar).refreshNow();
        assertEquals(200, chat("moving").statusCode());
        assertEquals(2, alphaModels().size());
        assertEquals("moving", b.last().json().path("model").asText(), "followed to the backend that lists it now");

        // An explicit backend:model goes where it says, whatever discovery found.
        chat("alpha:not-listed-anywhere");
        assertTrue(alphaModels().contains("not-listed-anywhere"), alphaModels().toString());
    }

    HttpResponse<String> retrieve(String id) {
        return Http.get(url("/v1/models/" + id), "Authorization", bearer(TOKEN));
    }

    /** The SDKs' models.retrieve(model) before using a model: every name a chat call is served by is found. */
    @Test
    void oneModelIsFoundByEveryNameAChatCallReachesItBy() throws Exception {
        for (String[] named : new String[][] {
            {"shared", "alpha"}, // both replicas list it: a call may go to either
            {"alpha:shared", "alpha"},
            {"beta-model", "beta"},
            {"fast", "beta"},
            {"beta:fast", "beta"},
            {"llama3.2", "ollama"},
            {"ollama:llama3.2", "ollama"},
            {"ollama:llama3.2:latest", "ollama"},
            {"qwen3:0.6b", "ollama"},
            {"echo", "echo"},
            {"echo:echo", "echo"}
        }) {
            var r = retrieve(named[0]);
            assertEquals(200, r.statusCode(), named[0] + ": " + r.body());
            JsonNode m = JSON.readTree(r.body());
            assertEquals(named[0], m.path("id").asText(), "the id as the client wrote it");
            assertEquals("model", m.path("object").asText());
            assertEquals(named[1], m.path("owned_by").asText(), named[0]);
            if (!named[0].endsWith(":latest")) { // FakeOllama answers by the bare name only (Ollama takes both)
                assertEquals(200, chat(named[0]).statusCode(), "a chat call by that name is served: " + named[0]);
            }
        }
        NginxGatewayTest.assertOpenAiError(retrieve("nobody-serves-this"), 404, "model_not_found");
        NginxGatewayTest.assertOpenAiError(retrieve("alpha:not-listed-anywhere"), 404, "model_not_found");
        // A backend whose replicas cannot be reached: its models are unavailable, as a chat call finds them.
        for (String id : List.of("deadm:m1", "m1")) {
            NginxGatewayTest.assertOpenAiError(retrieve(id), 502, "backend_unavailable");
            NginxGatewayTest.assertOpenAiError(chat(id), 502, "backend_unavailable");
        }
        assertTrue(JSON.readTree(retrieve("deadm:m1").body())
                .at("/error/message")
                .asText()
                .equals("The deadm backend is unreachable."));
    }

    @Test
    void modelsListsEveryBackendFromTheCacheAndSurvivesOneBeingDown() throws Exception {
        List<String> ids = modelIds();
        assertEquals(
                List.of(
                        "alpha:shared",
                        "alpha:moving",
                        "alpha:only-on-a2",
                        "beta:beta-model",
                        "fast",
                        "ollama:llama3.2:latest",
                        "ollama:qwen3:0.6b",
                        "ollama:slow:latest",
                        "ollama:broken:latest",
                        "ollama:dropping:latest",
                        "echo:echo"),
                ids);
        JsonNode fast = JSON.readTree(Http.get(url("/v1/models"), "Authorization", bearer(TOKEN))
                        .body())
                .path("data")
                .get(4);
        assertEquals("beta", fast.path("owned_by").asText());
        int listed = a1.listings() + b.listings() + ollama.listings();
        modelIds();
        assertEquals(listed, a1.listings() + b.listings() + ollama.listings(), "a call to /v1/models costs no listing");
        for (String id : List.of("alpha:shared", "alpha:only-on-a2", "beta:beta-model", "fast")) {
            chat(id);
        }
        assertEquals(
                List.of("only-on-a2", "shared"),
                alphaModels().stream().sorted().toList(),
                "every alpha id routes back to alpha (either replica)");
        assertEquals(
                List.of("beta-model", "beta-model"),
                b.received().stream().map(r -> r.json().path("model").asText()).toList());
        chat("ollama:qwen3:0.6b");
        assertEquals("qwen3:0.6b", ollama.last().body().path("model").asText());

        // One replica of alpha gone: alpha still serves (and keeps what a2 listed), the gauge says which is down.
        a2.close();
        App.discovery(sidecar).refreshNow();
        assertTrue(modelIds().contains("alpha:only-on-a2"), "a failed replica keeps its last list");
        String metrics = Http.get(url("/metrics")).body();
        assertTrue(
                metrics.contains("llmproxy_backend_up{backend=\"alpha\",replica=\"127.0.0.1:" + a2.port() + "\"} 0"),
                metrics);
        assertTrue(
                metrics.contains("llmproxy_backend_up{backend=\"alpha\",replica=\"127.0.0.1:" + a1.port() + "\"} 1"),
                metrics);
        assertTrue(metrics.contains("llmproxy_backend_models{backend=\"alpha\"} 3"), metrics);
        assertTrue(metrics.contains("llmproxy_backend_models{backend=\"echo\"} 1"), "echo answers to its name");
        assertTrue(metrics.contains("llmproxy_backend_refresh_timestamp_seconds{backend=\"beta\"} "), metrics);

        // A whole backend down: the others are still listed, and the sidecar stays ready, saying which is down.
        b.close();
        App.discovery(sidecar).refreshNow();
        List<String> without = modelIds();
        assertFalse(without.contains("beta:beta-model") || without.contains("fast"), without.toString());
        assertTrue(
                without.containsAll(List.of("alpha:shared", "ollama:llama3.2:latest", "echo:echo")),
                without.toString());
        var ready = Http.get(url("/readyz"));
        assertEquals(200, ready.statusCode(), ready.body());
        JsonNode readiness = JSON.readTree(ready.body());
        assertEquals("ready", readiness.path("status").asText());
        JsonNode beta = readiness.path("backends").get(1);
        assertEquals("beta", beta.path("name").asText());
        assertFalse(beta.path("up").asBoolean());
        assertEquals(1, beta.path("models").asInt(), "the last list is kept");
        assertFalse(beta.at("/replicas/0/error").asText().isEmpty(), ready.body());
        JsonNode alpha = readiness.path("backends").get(0);
        assertTrue(alpha.path("up").asBoolean());
        assertFalse(alpha.at("/replicas/1/up").asBoolean());
        assertTrue(alpha.at("/replicas/0/listed_at").isTextual(), ready.body());
    }
}
