package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.testing.DyingUpstream;
import dev.llmproxy.testing.FakeOllama;
import dev.llmproxy.testing.FakeVllm;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.testing.KeytoolCa;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Named backends through the real nginx: replicas sharing load by least connections, a replica that dies or
 * refuses connections, one brought back, aliases, prefixes and patterns, Ollama and echo by name.
 */
@Integration
class FleetTest {
    static final String TOKEN = "sk-fleet-team-0123456789";
    static final String TOKENS = "[{\"token\":\"" + TOKEN + "\",\"label\":\"fleet\"}]";
    static final ObjectMapper JSON = new ObjectMapper();

    static String chat(String model, String content) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
    }

    static HttpResponse<String> call(Gateway gw, String body) {
        return Http.post(gw.url("/v1/chat/completions"), body, "Authorization", bearer(TOKEN));
    }

    static String backends(String... entries) {
        return "[" + String.join(",", entries) + "]";
    }

    static String openai(String name, String models, String... urls) {
        return "{\"name\":\"" + name + "\",\"type\":\"openai\",\"urls\":[\"" + String.join("\",\"", urls) + "\"]"
                + (models == null ? "" : ",\"models\":" + models) + "}";
    }

    @Test
    void twoReplicasShareTheLoadAndASlowCallSteersNewOnesToTheOther() throws Exception {
        try (FakeVllm a = new FakeVllm(null);
                FakeVllm b = new FakeVllm(null);
                Gateway gw = Gateway.start(
                        TOKENS,
                        Map.of(
                                "BACKENDS_JSON",
                                backends(openai(
                                        "llama",
                                        "[\"llama3\",\"slow\"]",
                                        a.baseUrl() + "/v1",
                                        b.baseUrl() + "/v1"))))) {
            for (int i = 0; i < 20; i++) {
                assertEquals(200, call(gw, chat("llama3", "n" + i)).statusCode());
            }
            assertTrue(
                    a.received().size() >= 5 && b.received().size() >= 5,
                    "both replicas serve: " + a.received().size() + " / "
                            + b.received().size());

            // One slow call holds a connection to one replica: least connections sends every other call to the other.
            a.reset();
            b.reset();
            a.slowMillis = 2_000;
            b.slowMillis = 2_000;
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<HttpResponse<String>> slow = pool.submit(() -> call(gw, chat("slow", "slow")));
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (a.received().isEmpty() && b.received().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                FakeVllm busy = a.received().isEmpty() ? b : a;
                FakeVllm free = busy == a ? b : a;
                for (int i = 0; i < 8; i++) {
                    assertEquals(200, call(gw, chat("llama3", "fast" + i)).statusCode());
                }
                assertEquals(1, busy.received().size(), "calls went to the replica busy with the slow one");
                assertEquals(8, free.received().size());
                assertEquals(200, slow.get().statusCode());
            }
        }
    }

    @Test
    void aReplicaThatRefusesConnectionsCostsNoCallAndIsUsedAgainWhenBack() throws Exception {
        FakeVllm a = new FakeVllm(null);
        int aPort = a.port();
        try (FakeVllm b = new FakeVllm(null);
                Gateway gw = Gateway.start(
                        TOKENS,
                        Map.of(
                                "BACKENDS_JSON",
                                backends(openai("llama", "[\"llama3\"]", a.baseUrl() + "/v1", b.baseUrl() + "/v1"))))) {
            a.close(); // connection refused from now on
            for (int i = 0; i < 20; i++) {
                var r = call(gw, chat("llama3", "after" + i));
                assertEquals(200, r.statusCode(), "a refused connection is retried on the other replica: " + r.body());
            }
            assertEquals(20, b.received().size());

            try (FakeVllm back = new FakeVllm(null, aPort)) {
                // nginx tries it again once its fail_timeout (10 s) has passed.
                long deadline = System.nanoTime() + 20_000_000_000L;
                int i = 0;
                while (back.received().isEmpty() && System.nanoTime() < deadline) {
                    assertEquals(200, call(gw, chat("llama3", "back" + i++)).statusCode());
                    Thread.sleep(100);
                }
                assertFalse(back.received().isEmpty(), "the replica brought back is used again");
            }
        }
    }

    @Test
    void aCallAReplicaReceivedAndDiedOnIsNotSentAgain() throws Exception {
        try (DyingUpstream dying = new DyingUpstream();
                FakeVllm b = new FakeVllm(null);
                Gateway gw = Gateway.start(
                        TOKENS,
                        Map.of(
                                "BACKENDS_JSON",
                                backends(openai(
                                        "llama", "[\"llama3\"]", dying.baseUrl() + "/v1", b.baseUrl() + "/v1"))))) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                statuses.add(call(gw, chat("llama3", "once" + i)).statusCode());
            }
            assertFalse(dying.received().isEmpty(), "the dying replica received a call");
            for (String died : dying.received()) {
                String content = JSON.readTree(died).at("/messages/0/content").asText();
                assertTrue(
                        b.received().stream().noneMatch(r -> r.body().contains("\"" + content + "\"")),
                        "the call the dying replica had received was replayed: " + content);
            }
            assertEquals(
                    dying.received().size(),
                    statuses.stream().filter(s -> s == 502).count(),
                    statuses.toString());
            assertEquals(10 - dying.received().size(), b.received().size());
        }
    }

    @Test
    void aliasesPrefixesPatternsOllamaAndEchoByName() throws Exception {
        try (FakeVllm llama = new FakeVllm(null);
                FakeVllm embed = new FakeVllm(null);
                FakeOllama ollama = new FakeOllama();
                Gateway gw = Gateway.start(
                        TOKENS,
                        Map.of(
                                "BACKENDS_JSON",
                                backends(
                                        openai("llama", "[\"llama3\"]", llama.baseUrl() + "/v1"),
                                        openai("embed", "[\"bge-*\"]", embed.baseUrl()),
                                        "{\"name\":\"ollama\",\"type\":\"ollama\",\"urls\":[\"" + ollama.baseUrl()
                                                + "\"]}",
                                        "{\"name\":\"local\",\"type\":\"openai\",\"urls\":[\"" + llama.baseUrl()
                                                + "\"],\"aliases\":{\"gpt-4o-mini\":\"llama3\"}}",
                                        "{\"name\":\"echo\",\"type\":\"echo\"}")))) {
            // An alias: the upstream name is written into the body, every other byte as the client sent it.
            String body = "{\"model\":\"gpt-4o-mini\",\"temperature\":1.0,\"seed\":12345678901234567890,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi \\u00e9\"}]}";
            assertEquals(200, call(gw, body).statusCode());
            assertEquals(body.replace("gpt-4o-mini", "llama3"), llama.last().body(), "byte-exact apart from the name");

            assertEquals(200, call(gw, chat("llama:llama3", "prefixed")).statusCode());
            assertEquals("llama3", llama.last().json().path("model").asText());
            Http.post(
                    gw.url("/v1/embeddings"),
                    "{\"model\":\"bge-small\",\"input\":\"x\"}",
                    "Authorization",
                    bearer(TOKEN));
            assertEquals("bge-small", embed.last().json().path("model").asText(), "a pattern");

            var viaOllama = call(gw, chat("ollama:llama3.2", "Hi"));
            assertEquals(200, viaOllama.statusCode(), viaOllama.body());
            assertEquals("/api/chat", ollama.last().path());

            var echoed = call(gw, chat("echo:anything", "say this back"));
            assertEquals(200, echoed.statusCode(), echoed.body());
            assertEquals(
                    "say this back",
                    JSON.readTree(echoed.body())
                            .at("/choices/0/message/content")
                            .asText());

            var unknown = call(gw, chat("gpt-5", "nobody serves it"));
            NginxGatewayTest.assertOpenAiError(unknown, 404, "model_not_found");
            assertTrue(gw.accessLog().contains("\"backend\":\"local\""), "the access log names the backend");
        }
    }

    @Test
    void responsesRerankAndScorePassThroughToOpenAiBackendsAndAreA404OnOllama() throws Exception {
        try (FakeVllm llama = new FakeVllm(null);
                FakeOllama ollama = new FakeOllama();
                Gateway gw = Gateway.start(
                        TOKENS,
                        Map.of(
                                "BACKENDS_JSON",
                                backends(
                                        openai("llama", "[\"llama3\",\"BAAI/bge-reranker\"]", llama.baseUrl() + "/v1"),
                                        "{\"name\":\"ollama\",\"type\":\"ollama\",\"urls\":[\"" + ollama.baseUrl()
                                                + "\"]}")))) {
            String rerank = "{\"model\":\"BAAI/bge-reranker\",\"query\":\"q\",\"documents\":[\"a\",\"b\"]}";
            for (var url : List.of(gw.url(""), gw.sidecarUrl(""))) {
                for (String path : List.of("/v1/rerank", "/rerank", "/v2/rerank")) {
                    var r = Http.post(java.net.URI.create(url + path), rerank, "Authorization", bearer(TOKEN));
                    assertEquals(200, r.statusCode(), path + ": " + r.body());
                    assertEquals(2, JSON.readTree(r.body()).path("results").size());
                    assertEquals(path, llama.last().path());
                    assertEquals(rerank, llama.last().body(), "passed through untouched");
                }
                var resp = Http.post(
                        java.net.URI.create(url + "/v1/responses"),
                        "{\"model\":\"llama:llama3\",\"input\":\"Hi\"}",
                        "Authorization",
                        bearer(TOKEN));
                assertEquals(200, resp.statusCode(), resp.body());
                assertEquals(
                        "response", JSON.readTree(resp.body()).path("object").asText());
                assertEquals("llama3", llama.last().json().path("model").asText(), "the prefix stripped");
                var score = Http.post(
                        java.net.URI.create(url + "/v1/score"),
                        "{\"model\":\"BAAI/bge-reranker\",\"text_1\":\"a\",\"text_2\":\"b\"}",
                        "Authorization",
                        bearer(TOKEN));
                assertEquals(200, score.statusCode(), score.body());

                var onOllama = Http.post(
                        java.net.URI.create(url + "/v1/rerank"),
                        rerank.replace("BAAI/bge-reranker", "ollama:llama3.2"),
                        "Authorization",
                        bearer(TOKEN));
                NginxGatewayTest.assertOpenAiError(onOllama, 404, "unsupported_endpoint");
                assertTrue(onOllama.body().contains("ollama"), "names the backend: " + onOllama.body());
            }
            assertTrue(ollama.received().isEmpty(), "nothing reached Ollama");
        }
    }

    /**
     * A remote provider over TLS: nginx verifies it with the backend's ca_file and SNI, sends the key from
     * api_key_env and the extra headers, never the client's token; a certificate for another host is refused.
     * ("localhost": nginx 1.22 cannot verify a certificate issued for an IP address.)
     */
    @Test
    void aRemoteHttpsProviderIsVerifiedAndGetsItsKeyNotTheClientsToken() throws Exception {
        KeytoolCa ca = new KeytoolCa(java.nio.file.Files.createTempDirectory("llm-proxy-ca-"));
        try (FakeVllm remote = new FakeVllm("remote-key-123", 0, ca.serverFor("localhost"));
                FakeVllm impostor = new FakeVllm("remote-key-123", 0, ca.serverFor("wrong.example"));
                Gateway gw = Gateway.start(
                        TOKENS,
                        Map.of(
                                "REMOTE_KEY",
                                "remote-key-123",
                                "BACKENDS_JSON",
                                backends(
                                        "{\"name\":\"remote\",\"type\":\"openai\",\"urls\":[\"https://localhost:"
                                                + remote.port()
                                                + "/v1\"],\"models\":[\"llama3\"],\"api_key_env\":\"REMOTE_KEY\",\"ca_file\":\""
                                                + ca.pem()
                                                + "\",\"headers\":{\"HTTP-Referer\":\"https://chat.example.com\",\"X-Title\":\"Example chat\"}}",
                                        "{\"name\":\"impostor\",\"type\":\"openai\",\"urls\":[\"https://localhost:"
                                                + impostor.port()
                                                + "/v1\"],\"api_key_env\":\"REMOTE_KEY\",\"ca_file\":\"" + ca.pem()
                                                + "\"}")))) {
            var r = call(gw, chat("llama3", "over TLS"));
            assertEquals(200, r.statusCode(), r.body());
            var seen = remote.last().headers();
            assertEquals("Bearer remote-key-123", seen.get("authorization"));
            assertEquals("https://chat.example.com", seen.get("http-referer"));
            assertEquals("Example chat", seen.get("x-title"));
            assertFalse(seen.toString().contains(TOKEN), "the client's token reached the provider");
            for (String note :
                    List.of("x-token-label", "x-real-ip", "x-forwarded-for", "x-proxy-backend", "x-llm-model")) {
                assertNull(seen.get(note), "a provider learnt " + note + ": " + seen.get(note));
            }

            var refused = call(gw, chat("impostor:llama3", "to the wrong host"));
            NginxGatewayTest.assertOpenAiError(refused, 502, "backend_unavailable");
            assertTrue(
                    impostor.received().isEmpty(), "nothing was sent to a server whose certificate names another host");
            assertTrue(gw.errorLog().contains("certificate"), gw.errorLog());
        }
    }

    /** The gateway's notes about the caller go only to a backend that asks for them. */
    @Test
    void onlyABackendThatOptsInLearnsWhoCalled() throws Exception {
        try (FakeVllm own = new FakeVllm(null);
                FakeVllm other = new FakeVllm(null);
                Gateway gw = Gateway.start(
                        TOKENS,
                        Map.of(
                                "BACKENDS_JSON",
                                backends(
                                        "{\"name\":\"own\",\"type\":\"openai\",\"urls\":[\"" + own.baseUrl()
                                                + "\"],\"models\":[\"a\"],\"forward_identity\":true}",
                                        openai("other", "[\"b\"]", other.baseUrl()))))) {
            assertEquals(200, call(gw, chat("own:llama3", "x")).statusCode());
            assertEquals(200, call(gw, chat("other:llama3", "x")).statusCode());
            var mine = own.last().headers();
            assertEquals("fleet", mine.get("x-token-label"));
            assertEquals("127.0.0.1", mine.get("x-real-ip"));
            assertEquals("own", mine.get("x-proxy-backend"));
            var theirs = other.last().headers();
            for (String note : List.of(
                    "x-token-label",
                    "x-real-ip",
                    "x-forwarded-for",
                    "x-proxy-backend",
                    "x-llm-model",
                    "x-ratelimit-checked")) {
                assertNull(theirs.get(note), note);
            }
            assertNotNull(theirs.get("x-request-id"), "the request id always");
        }
    }
}
