package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.http.App;
import dev.llmproxy.ratelimit.MemoryRateLimiter;
import dev.llmproxy.testing.DyingUpstream;
import dev.llmproxy.testing.FakeOllama;
import dev.llmproxy.testing.FakeVllm;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.KeytoolCa;
import io.javalin.Javalin;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar alone (no nginx) balancing every backend type itself, as nginx balances the OpenAI-type ones: replicas
 * share load by fewest calls in flight, a replica that refuses connections costs no call, a call a replica received
 * and died on is not replayed; an https backend verified with its ca_file and sent its key and headers.
 */
class SidecarFleetTest {
    static final String TOKEN = "sk-sidecar-fleet-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    /** A sidecar started on a free port, stopped on close. */
    record Sidecar(Javalin app) implements AutoCloseable {
        static Sidecar start(String backendsJson, Map<String, String> env) throws Exception {
            Map<String, String> all = new HashMap<>(env);
            all.put("TOKENS_JSON", "[{\"token\":\"" + TOKEN + "\",\"label\":\"fleet\"}]");
            all.put("BACKENDS_JSON", backendsJson);
            all.put("SIDECAR_PORT", "0");
            var config = ConfigLoader.load(all);
            return new Sidecar(
                    App.create(config, new MemoryRateLimiter(Clock.systemUTC())).start());
        }

        static Sidecar start(String backendsJson) throws Exception {
            return start(backendsJson, Map.of());
        }

        HttpResponse<String> post(String path, String body) {
            return Http.post(URI.create("http://127.0.0.1:" + app.port() + path), body, "Authorization", bearer(TOKEN));
        }

        /** The value of one line of {@code /metrics}, by its name and labels. */
        String metric(String nameAndLabels) {
            String text = Http.get(URI.create("http://127.0.0.1:" + app.port() + "/metrics"))
                    .body();
            return text.lines()
                    .filter(l -> l.startsWith(nameAndLabels + " "))
                    .map(l -> l.substring(nameAndLabels.length() + 1))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no " + nameAndLabels + " in:\n" + text));
        }

        HttpResponse<String> chat(String model, String content) {
            return post("/v1/chat/completions", FleetTest.chat(model, content));
        }

        @Override
        public void close() {
            app.stop();
        }
    }

    static String backend(String name, String type, String extra, String... urls) {
        return "{\"name\":\"" + name + "\",\"type\":\"" + type + "\",\"urls\":[\"" + String.join("\",\"", urls) + "\"]"
                + extra + "}";
    }

    static String content(FakeOllama.Received r) {
        return r.body().at("/messages/0/content").asText();
    }

    @Test
    void twoOllamaReplicasBothServeAndAMultiPromptCompletionUsesBoth() throws Exception {
        try (FakeOllama a = new FakeOllama();
                FakeOllama b = new FakeOllama();
                Sidecar gw = Sidecar.start("[" + backend("local", "ollama", "", a.baseUrl(), b.baseUrl()) + "]")) {
            for (int i = 0; i < 10; i++) {
                var r = gw.chat("local:llama3.2", "n" + i);
                assertEquals(200, r.statusCode(), r.body());
            }
            assertEquals(5, a.received().size(), "calls in turn while none is in flight");
            assertEquals(5, b.received().size());

            a.reset();
            b.reset();
            // Both prompts are in flight at once: the second goes to the replica the first is not on.
            var r = gw.post("/v1/completions", "{\"model\":\"local:llama3.2\",\"prompt\":[\"one\",\"two\"]}");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(2, JSON.readTree(r.body()).path("choices").size());
            assertEquals(1, a.received().size(), "one prompt per replica");
            assertEquals(1, b.received().size());
        }
    }

    @Test
    void anOllamaReplicaThatRefusesConnectionsCostsNoCall() throws Exception {
        FakeOllama a = new FakeOllama();
        try (FakeOllama b = new FakeOllama();
                Sidecar gw = Sidecar.start("[" + backend("local", "ollama", "", a.baseUrl(), b.baseUrl()) + "]")) {
            a.close(); // connection refused from now on
            for (int i = 0; i < 10; i++) {
                var r = gw.chat("local:llama3.2", "after" + i);
                assertEquals(200, r.statusCode(), "a refused connection is passed to the other replica: " + r.body());
            }
            assertEquals(10, b.received().size());
            // What an operator sees: a refused once and rests, b took every call.
            String ra = "{backend=\"local\",replica=\"" + a.baseUrl().substring("http://".length()) + "\"}";
            String rb = "{backend=\"local\",replica=\"" + b.baseUrl().substring("http://".length()) + "\"}";
            assertEquals("1", gw.metric("llmproxy_replica_refused_total" + ra));
            assertEquals("1", gw.metric("llmproxy_replica_resting" + ra));
            assertEquals("0", gw.metric("llmproxy_replica_calls_total" + ra));
            assertEquals("10", gw.metric("llmproxy_replica_calls_total" + rb));
            assertEquals("0", gw.metric("llmproxy_replica_resting" + rb));
            assertEquals("0", gw.metric("llmproxy_replica_in_flight" + rb), "every answer was read to its end");
        }
    }

    @Test
    void aCallAnOllamaReplicaReceivedAndDiedOnIsA502AndNotSentAgain() throws Exception {
        try (DyingUpstream dying = new DyingUpstream();
                FakeOllama b = new FakeOllama();
                Sidecar gw = Sidecar.start("[" + backend("local", "ollama", "", dying.baseUrl(), b.baseUrl()) + "]")) {
            List<HttpResponse<String>> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                answers.add(gw.chat("local:llama3.2", "once" + i));
            }
            assertFalse(dying.received().isEmpty(), "the dying replica received calls");
            for (String died : dying.received()) {
                String content = JSON.readTree(died).at("/messages/0/content").asText();
                assertTrue(
                        b.received().stream().noneMatch(r -> content(r).equals(content)),
                        "the call the dying replica had received was replayed: " + content);
            }
            var failed = answers.stream().filter(r -> r.statusCode() != 200).toList();
            assertEquals(dying.received().size(), failed.size());
            for (var r : failed) {
                // reached, and it broke the connection: an error of the backend, not "unreachable"
                NginxGatewayTest.assertOpenAiError(r, 502, "backend_error");
            }
            assertEquals(10 - dying.received().size(), b.received().size());
        }
    }

    @Test
    void anOpenAiBackendRelayedByTheSidecarSharesItsLoadAndSteersAroundASlowCall() throws Exception {
        try (FakeVllm a = new FakeVllm(null);
                FakeVllm b = new FakeVllm(null);
                Sidecar gw = Sidecar.start("["
                        + backend(
                                "llama",
                                "openai",
                                ",\"models\":[\"llama3\",\"slow\"]",
                                a.baseUrl() + "/v1",
                                b.baseUrl())
                        + "]")) {
            for (int i = 0; i < 20; i++) {
                assertEquals(200, gw.chat("llama3", "n" + i).statusCode());
            }
            assertEquals(10, a.received().size(), "in turn");
            assertEquals(10, b.received().size());

            a.reset();
            b.reset();
            a.slowMillis = 2_000;
            b.slowMillis = 2_000;
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<HttpResponse<String>> slow = pool.submit(() -> gw.chat("slow", "slow"));
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (a.received().isEmpty() && b.received().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                FakeVllm busy = a.received().isEmpty() ? b : a;
                FakeVllm free = busy == a ? b : a;
                for (int i = 0; i < 8; i++) {
                    assertEquals(200, gw.chat("llama3", "fast" + i).statusCode());
                }
                assertEquals(1, busy.received().size(), "a call went to the replica busy with the slow one");
                assertEquals(8, free.received().size());
                assertEquals(200, slow.get().statusCode());
            }
        }
    }

    /** An OpenAI-compatible server over https that records each request's headers and answers a fixed completion. */
    record HttpsFake(HttpsServer server, List<Map<String, String>> seen) implements AutoCloseable {
        static HttpsFake start(SSLContext tls) throws Exception {
            var server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            server.setHttpsConfigurator(new HttpsConfigurator(tls));
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            List<Map<String, String>> seen = new CopyOnWriteArrayList<>();
            server.createContext("/", ex -> {
                try (ex) {
                    ex.getRequestBody().readAllBytes();
                    Map<String, String> headers = new HashMap<>();
                    ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
                    seen.add(headers);
                    byte[] body = ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
                                    + "\"model\":\"gpt-x\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                                    + "\"content\":\"Hello over TLS\"},\"finish_reason\":\"stop\"}]}")
                            .getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    ex.sendResponseHeaders(200, body.length);
                    ex.getResponseBody().write(body);
                }
            });
            server.start();
            return new HttpsFake(server, seen);
        }

        String url() {
            return "https://localhost:" + server.getAddress().getPort() + "/v1";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void anHttpsBackendIsVerifiedWithItsCaFileAndSentItsKeyAndHeadersNeverTheClientsToken(@TempDir Path dir)
            throws Exception {
        var ca = new KeytoolCa(dir);
        String caFile = ",\"ca_file\":\"" + ca.pem() + "\"";
        String key = ",\"api_key_env\":\"REMOTE_KEY\",\"headers\":{\"OpenAI-Organization\":\"org-test\"}";
        try (var remote = HttpsFake.start(ca.serverFor("localhost"));
                var impostor = HttpsFake.start(ca.serverFor("other.example"));
                Sidecar gw = Sidecar.start(
                        "[" + backend("remote", "openai", ",\"models\":[\"gpt-x\"]" + key + caFile, remote.url())
                                + ","
                                + backend(
                                        "impostor", "openai", ",\"models\":[\"gpt-y\"]" + key + caFile, impostor.url())
                                + "," + backend("system", "openai", ",\"models\":[\"gpt-z\"]" + key, remote.url())
                                + "]",
                        Map.of("REMOTE_KEY", "sk-remote-provider-key"))) {
            var ok = gw.chat("gpt-x", "Hi");
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals(
                    "Hello over TLS",
                    JSON.readTree(ok.body()).at("/choices/0/message/content").asText());
            assertEquals(1, remote.seen().size());
            Map<String, String> seen = remote.seen().get(0);
            assertEquals("Bearer sk-remote-provider-key", seen.get("authorization"));
            assertEquals("org-test", seen.get("openai-organization"));
            assertTrue(seen.values().stream().noneMatch(v -> v.contains(TOKEN)), "the client's token went upstream");

            // A certificate the CA signed, for another host name; then the right host, but a CA the system does not
            // know. Both fail in the TLS handshake, before a byte of the request is sent: the backend could not be
            // reached (backend_unavailable, as nginx reports a failed handshake as a failed connection), not a
            // backend that failed a call it received (backend_error).
            NginxGatewayTest.assertOpenAiError(gw.chat("gpt-y", "Hi"), 502, "backend_unavailable");
            assertTrue(impostor.seen().isEmpty(), "nothing reached the server with another host's certificate");
            NginxGatewayTest.assertOpenAiError(gw.chat("gpt-z", "Hi"), 502, "backend_unavailable");
            assertEquals(1, remote.seen().size(), "without its ca_file, the test CA is not trusted");
        }
    }
}
