package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.http.App;
import dev.llmproxy.ratelimit.MemoryRateLimiter;
import dev.llmproxy.testing.FakeVllm;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.OneConnection;
import dev.llmproxy.testing.Ports;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sidecar alone, as `./gateway sidecar` runs it: a complete gateway, plus the authz contract nginx relies on. */
class SidecarDirectTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SECRET = "direct-test-secret-0123456789abcdef";
    static final String TEAM = "sk-direct-team-0123";
    static final String RPM3 = "sk-direct-rpm3-0123";
    static final String RPD1 = "sk-direct-rpd1-0123";
    static final String LLAMA_ONLY = "sk-direct-llama-0123";
    static final String AUTHZ_RPM2 = "sk-direct-authz-0123";
    static final String LIST_RPM1 = "sk-direct-list-0123";
    static final String CHAT = "{\"model\":\"vllm:llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    static FakeVllm vllm;
    static Javalin sidecar;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        vllm = new FakeVllm("upstream-key-1");
        Config config = ConfigLoader.load(Map.of(
                "TOKENS_JSON",
                """
                        [{"token":"%s","label":"team"},{"token":"%s","label":"rpm3","rpm":3},
                         {"token":"%s","label":"rpd1","rpd":1},{"token":"%s","label":"llama-only","models":["vllm:llama3"]},
                         {"token":"%s","label":"authz-rpm2","rpm":2},{"token":"%s","label":"list-rpm1","rpm":1}]
                        """.formatted(TEAM, RPM3, RPD1, LLAMA_ONLY, AUTHZ_RPM2, LIST_RPM1),
                "VLLM_BASE_URL",
                vllm.baseUrl(),
                "VLLM_API_KEY",
                "upstream-key-1",
                "OLLAMA_BASE_URL",
                "http://127.0.0.1:" + Ports.free(),
                "GATEWAY_SECRET",
                SECRET,
                "SIDECAR_PORT",
                "0",
                "MAX_BODY_BYTES",
                "2048"));
        sidecar = App.create(config, new MemoryRateLimiter(Clock.systemUTC())).start();
        port = sidecar.port();
    }

    @AfterAll
    static void stop() {
        sidecar.stop();
        vllm.close();
    }

    @BeforeEach
    void clear() {
        vllm.reset();
    }

    static URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    static void assertOpenAiError(HttpResponse<String> r, int status, String code) throws Exception {
        NginxGatewayTest.assertOpenAiError(r, status, code);
    }

    /** As through nginx: every answer names its request, the client's id when well-formed, else a new one. */
    @Test
    void everyAnswerCarriesTheRequestId() throws Exception {
        var given =
                Http.post(url("/v1/chat/completions"), CHAT, "Authorization", bearer(TEAM), "X-Request-ID", "app-42");
        assertEquals(200, given.statusCode(), given.body());
        assertEquals("app-42", given.headers().firstValue("x-request-id").orElse(null));
        assertEquals("app-42", vllm.last().headers().get("x-request-id"), "the same id upstream");
        for (var r : List.of(
                Http.post(url("/v1/chat/completions"), CHAT),
                Http.get(url("/v1/models"), "Authorization", bearer(TEAM)),
                Http.get(url("/no/such/path")),
                Http.post(
                        url("/v1/chat/completions"), CHAT, "Authorization", bearer(TEAM), "X-Request-ID", "bad id!"))) {
            assertTrue(
                    r.headers().firstValue("x-request-id").orElse("").matches("[0-9a-f]{32}"),
                    r.statusCode() + " " + r.headers().map());
        }
    }

    @Test
    void authenticatesLimitsAndRoutesOnItsOwn() throws Exception {
        var r = Http.post(url("/v1/chat/completions"), CHAT, "Authorization", bearer(RPM3));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("3", r.headers().firstValue("x-ratelimit-limit-requests").orElse(null));
        assertEquals(
                "2", r.headers().firstValue("x-ratelimit-remaining-requests").orElse(null));
        var seen = vllm.last();
        assertEquals("llama3", seen.json().path("model").asText());
        assertEquals("Bearer upstream-key-1", seen.headers().get("authorization"));
        assertTrue(seen.headers().get("x-request-id").matches("[0-9a-f]{32}"));

        assertEquals(
                200,
                Http.post(
                                url("/v1/completions"),
                                "{\"model\":\"llama3\",\"prompt\":\"x\"}",
                                "Authorization",
                                bearer(RPM3))
                        .statusCode());
        assertEquals(
                200,
                Http.post(
                                url("/v1/embeddings"),
                                "{\"model\":\"llama3\",\"input\":\"x\"}",
                                "Authorization",
                                bearer(RPM3))
                        .statusCode());
        var limited = Http.post(url("/v1/chat/completions"), CHAT, "Authorization", bearer(RPM3));
        assertOpenAiError(limited, 429, "rate_limit_exceeded");
        assertTrue(Long.parseLong(limited.headers().firstValue("retry-after").orElseThrow()) >= 1);
        assertTrue(limited.headers().firstValue("retry-after-ms").isPresent());
        assertEquals(3, vllm.received().size());
    }

    @Test
    void dailyLimitSaysDoNotRetry() throws Exception {
        assertEquals(
                200,
                Http.post(url("/v1/chat/completions"), CHAT, "Authorization", bearer(RPD1))
                        .statusCode());
        var r = Http.post(url("/v1/chat/completions"), CHAT, "Authorization", bearer(RPD1));
        assertOpenAiError(r, 429, "rate_limit_exceeded");
        assertEquals("false", r.headers().firstValue("x-should-retry").orElse(null));
    }

    @Test
    void errorsAreOpenAiJson() throws Exception {
        var none = Http.post(url("/v1/chat/completions"), CHAT);
        assertOpenAiError(none, 401, "invalid_api_key");
        assertEquals(
                "Bearer realm=\"llm-proxy\"",
                none.headers().firstValue("www-authenticate").orElse(null));
        assertOpenAiError(
                Http.post(url("/v1/chat/completions"), CHAT, "Authorization", bearer("sk-unknown-0000")),
                401,
                "invalid_api_key");
        assertOpenAiError(
                Http.post(url("/v1/chat/completions"), "{oops", "Authorization", bearer(TEAM)), 400, "invalid_json");
        assertOpenAiError(
                Http.post(url("/v1/chat/completions"), "{}", "Authorization", bearer(TEAM)), 400, "missing_model");
        assertOpenAiError(
                Http.post(
                        url("/v1/chat/completions"),
                        CHAT.replace("Hi", "x".repeat(3000)),
                        "Authorization",
                        bearer(TEAM)),
                413,
                "request_too_large");
        assertOpenAiError(
                Http.post(
                        url("/v1/chat/completions"),
                        CHAT.replace("vllm:llama3", "vllm:other"),
                        "Authorization",
                        bearer(LLAMA_ONLY)),
                403,
                "model_not_allowed");
        // No Ollama listens on the default address in tests: unreachable is a 502.
        assertOpenAiError(
                Http.post(
                        url("/v1/chat/completions"),
                        CHAT.replace("vllm:llama3", "ollama:llama3.2"),
                        "Authorization",
                        bearer(TEAM)),
                502,
                "backend_unavailable");
        assertOpenAiError(Http.get(url("/v1/unknown"), "Authorization", bearer(TEAM)), 404, "unknown_url");
        assertOpenAiError(
                Http.get(url("/v1/chat/completions"), "Authorization", bearer(TEAM)), 405, "method_not_allowed");
        assertTrue(vllm.received().isEmpty());
    }

    @Test
    void streamsServerSentEventsThrough() {
        vllm.streamDelayMillis = 10;
        var r = Http.post(
                url("/v1/chat/completions"),
                CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""),
                "Authorization",
                bearer(TEAM));
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
        assertEquals(7, r.body().split("\n\n").length);
    }

    static HttpResponse<String> fromNginx(String body, String token) {
        return Http.post(url("/v1/chat/completions"), body, "Authorization", bearer(token), "X-Gateway-Secret", SECRET);
    }

    /** The contract with nginx: an admitted vLLM call is handed back (X-Accel-Redirect) with the decision in headers. */
    @Test
    void handsAdmittedVllmCallsBackToNginx() throws Exception {
        var prefixed = fromNginx(CHAT, TEAM);
        assertEquals(204, prefixed.statusCode(), prefixed.body());
        assertEquals(
                "@llm_vllm_rewritten",
                prefixed.headers().firstValue("x-accel-redirect").orElse(null));
        assertEquals(
                "llama3", prefixed.headers().firstValue("x-llm-upstream-model").orElse(null));
        assertEquals("team", prefixed.headers().firstValue("x-token-label").orElse(null));
        assertEquals("vllm", prefixed.headers().firstValue("x-proxy-backend").orElse(null));
        assertEquals("vllm:llama3", prefixed.headers().firstValue("x-llm-model").orElse(null));

        var plain = fromNginx(CHAT.replace("vllm:llama3", "llama3"), TEAM);
        assertEquals(204, plain.statusCode());
        assertEquals("@llm_vllm", plain.headers().firstValue("x-accel-redirect").orElse(null));
        assertTrue(plain.headers().firstValue("x-llm-upstream-model").isEmpty(), "nothing to rewrite");
        assertTrue(vllm.received().isEmpty(), "nginx, not the sidecar, sends handed-back calls to vLLM");
    }

    /** nginx's rewrite takes the first "model" key: when a nested one comes first, the sidecar relays the call itself. */
    @Test
    void aNestedModelKeyBeforeTheTopLevelOneIsRelayedHere() throws Exception {
        String body =
                "{\"metadata\":{\"model\":\"vllm:other\"},\"model\":\"vllm:llama3\",\"seed\":12345678901234567890,\"temperature\":1.0,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        var r = fromNginx(body, TEAM);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("x-accel-redirect").isEmpty());
        assertEquals(
                body.replace("\"model\":\"vllm:llama3\"", "\"model\":\"llama3\""),
                vllm.last().body(),
                "byte-exact rewrite");
    }

    @Test
    void refusalsBehindNginxNameTheirReasonForTheLog() {
        var unknown = fromNginx(CHAT, "sk-nobody-000");
        assertEquals(401, unknown.statusCode());
        assertTrue(unknown.headers().firstValue("www-authenticate").isPresent());
        assertEquals(
                "invalid_api_key",
                unknown.headers().firstValue("x-authz-reason").orElse(null));
        var forbidden = fromNginx(CHAT.replace("vllm:llama3", "vllm:x"), LLAMA_ONLY);
        assertEquals(403, forbidden.statusCode());
        assertEquals(
                "model_not_allowed",
                forbidden.headers().firstValue("x-authz-reason").orElse(null));
        assertEquals(
                "llama-only", forbidden.headers().firstValue("x-token-label").orElse(null));
        var invalid = fromNginx(CHAT.replace("vllm:llama3", "bad model"), TEAM);
        assertEquals(400, invalid.statusCode());
        assertEquals(
                "invalid_model", invalid.headers().firstValue("x-authz-reason").orElse(null));
        assertTrue(vllm.received().isEmpty());
    }

    /** Authentication comes first, on both paths: the body of a caller nobody registered is never parsed. */
    @Test
    void aBadTokenWithABadBodyIs401NotABodyError() throws Exception {
        for (String body : List.of("not json", "{}", "{\"model\":\"a b\"}", CHAT.replace("vllm:llama3", "vllm:"))) {
            assertOpenAiError(
                    Http.post(url("/v1/chat/completions"), body, "Authorization", bearer("wrong-token-123")),
                    401,
                    "invalid_api_key");
            var behindNginx = fromNginx(body, "wrong-token-123");
            assertOpenAiError(behindNginx, 401, "invalid_api_key");
            assertEquals(
                    "invalid_api_key",
                    behindNginx.headers().firstValue("x-authz-reason").orElse(null));
        }
        // A known token with the same bodies: the body's own errors.
        assertOpenAiError(fromNginx("not json", TEAM), 400, "invalid_json");
        assertOpenAiError(fromNginx("{}", TEAM), 400, "missing_model");
    }

    /**
     * An unknown caller's chunked body (no length to drain it by) is not read to its end: the refusal is
     * answered while the client is still sending.
     */
    @Test
    void anUnknownTokensUnfinishedChunkedBodyIsRefusedWithoutWaitingForIt() throws Exception {
        try (var c = new OneConnection(port)) {
            var a = c.raw(
                    "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: " + bearer("wrong-token-123")
                            + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "400\r\n" + "x".repeat(1024) + "\r\n"); // the body goes on, and never ends
            assertEquals(401, a.status(), a.body());
            assertEquals(
                    "invalid_api_key", JSON.readTree(a.body()).at("/error/code").asText());
        }
    }

    @Test
    void everyCallThroughNginxIsCountedOnce() throws Exception {
        for (int i = 0; i < 2; i++) {
            var ok = fromNginx(CHAT, AUTHZ_RPM2);
            assertEquals(204, ok.statusCode());
            assertEquals(
                    Integer.toString(1 - i),
                    ok.headers().firstValue("x-ratelimit-remaining-requests").orElse(null));
        }
        var r = fromNginx(CHAT, AUTHZ_RPM2);
        assertOpenAiError(r, 429, "rate_limit_exceeded");
        assertEquals(
                "rate_limit_exceeded", r.headers().firstValue("x-authz-reason").orElse(null));
        assertTrue(r.headers().firstValue("retry-after").isPresent());
        String message = JSON.readTree(r.body()).at("/error/message").asText();
        assertTrue(
                message.startsWith("Rate limit reached for 'authz-rpm2' on requests per min (RPM): Limit 2"), message);
    }

    /** Listing models costs no model time: authenticated, but never counted against a window nor refused for one. */
    @Test
    void listingModelsSpendsNoRequestsAndIsNeverRateLimited() throws Exception {
        List<java.util.function.Supplier<HttpResponse<String>>> lookups = List.of(
                () -> Http.get(url("/v1/models"), "Authorization", bearer(LIST_RPM1)),
                () -> Http.get(url("/v1/models/vllm:llama3"), "Authorization", bearer(LIST_RPM1)),
                () -> Http.get(url("/v1/models"), "Authorization", bearer(LIST_RPM1), "X-Gateway-Secret", SECRET));
        for (int round = 0; round < 2; round++) {
            for (var lookup : lookups) {
                for (int i = 0; i < 3; i++) {
                    var r = lookup.get();
                    assertEquals(200, r.statusCode(), r.body());
                    assertTrue(
                            r.headers()
                                    .firstValue("x-ratelimit-remaining-requests")
                                    .isEmpty(),
                            "nothing was counted, nothing claimed: " + r.headers());
                }
            }
            var chat = Http.post(url("/v1/chat/completions"), CHAT, "Authorization", bearer(LIST_RPM1));
            if (round == 0) { // the listings left the whole window: rpm 1 admits this one
                assertEquals(200, chat.statusCode(), chat.body());
                assertEquals(
                        "0",
                        chat.headers()
                                .firstValue("x-ratelimit-remaining-requests")
                                .orElse(null));
            } else { // the window is spent: chats are refused, listings (above) were not
                assertOpenAiError(chat, 429, "rate_limit_exceeded");
            }
        }
        assertOpenAiError(
                Http.get(url("/v1/models"), "Authorization", bearer("wrong-token-123")), 401, "invalid_api_key");
        assertOpenAiError(
                Http.get(url("/v1/models/vllm:llama3"), "Authorization", bearer("wrong-token-123")),
                401,
                "invalid_api_key");
    }

    /** A token learns of the models it may use only: its list, and a lookup, as its calls would go. */
    @Test
    void aTokenWithAnAllowlistSeesOnlyItsModels() throws Exception {
        List<String> all = new ArrayList<>();
        JSON.readTree(Http.get(url("/v1/models"), "Authorization", bearer(TEAM)).body())
                .path("data")
                .forEach(m -> all.add(m.path("id").asText()));
        assertTrue(all.containsAll(List.of("vllm:llama3", "vllm:meta-llama/Llama-3.1-8B-Instruct")), all.toString());
        List<String> seen = new ArrayList<>();
        JSON.readTree(Http.get(url("/v1/models"), "Authorization", bearer(LLAMA_ONLY))
                        .body())
                .path("data")
                .forEach(m -> seen.add(m.path("id").asText()));
        assertEquals(List.of("vllm:llama3"), seen, "its allowlist is vllm:llama3");
        assertEquals(
                200,
                Http.get(url("/v1/models/llama3"), "Authorization", bearer(LLAMA_ONLY))
                        .statusCode());
        var other =
                Http.get(url("/v1/models/vllm:meta-llama/Llama-3.1-8B-Instruct"), "Authorization", bearer(LLAMA_ONLY));
        assertOpenAiError(other, 403, "model_not_allowed");
        assertOpenAiError(
                Http.post(
                        url("/v1/chat/completions"),
                        CHAT.replace("vllm:llama3", "vllm:meta-llama/Llama-3.1-8B-Instruct"),
                        "Authorization",
                        bearer(LLAMA_ONLY)),
                403,
                "model_not_allowed");
    }

    @Test
    void headOfTheModelListAsksForAKeyLikeItsGet() throws Exception {
        for (String path : List.of("/v1/models", "/v1/models/vllm:llama3")) {
            var head = HttpRequest.newBuilder(url(path)).method("HEAD", HttpRequest.BodyPublishers.noBody());
            assertEquals(401, Http.send(head).statusCode(), path);
            assertEquals(
                    200,
                    Http.send(
                                    HttpRequest.newBuilder(url(path))
                                            .method("HEAD", HttpRequest.BodyPublishers.noBody()),
                                    "Authorization",
                                    bearer(TEAM))
                            .statusCode(),
                    path);
        }
    }

    /** A refused caller that waits to be asked for its body is not asked: no 100 Continue, the 401 at once. */
    @Test
    void aRefusedCallerWaitingToSendItsBodyIsNotAskedForIt() throws Exception {
        try (var socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream()
                    .write(
                            ("POST /v1/chat/completions HTTP/1.1\r\nHost: sidecar\r\nAuthorization: Bearer wrong-token-123\r\n"
                                            + "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n")
                                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            var in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals("HTTP/1.1 401 Unauthorized", in.readLine());
        }
    }

    @Test
    void exactUnderParallelDirectCalls() throws Exception {
        String token = "sk-direct-parallel";
        // a separate sidecar with its own token so other tests cannot touch its window
        Config c = ConfigLoader.load(Map.of(
                "TOKENS_JSON",
                "[{\"token\":\"" + token + "\",\"label\":\"par\",\"rpm\":5}]",
                "VLLM_BASE_URL",
                vllm.baseUrl(),
                "VLLM_API_KEY",
                "upstream-key-1",
                "SIDECAR_PORT",
                "0"));
        Javalin other = App.create(c, new MemoryRateLimiter(Clock.systemUTC())).start();
        int p = other.port();
        try (var pool = Executors.newFixedThreadPool(20)) {
            var go = new CountDownLatch(1);
            List<Future<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                fs.add(pool.submit(() -> {
                    go.await();
                    return Http.post(
                                    URI.create("http://127.0.0.1:" + p + "/v1/chat/completions"),
                                    CHAT,
                                    "Authorization",
                                    bearer(token))
                            .statusCode();
                }));
            }
            go.countDown();
            int ok = 0;
            for (var f : fs) {
                ok += f.get() == 200 ? 1 : 0;
            }
            assertEquals(5, ok);
        } finally {
            other.stop();
        }
    }

    @Test
    void vllmRefusingTheGatewayKeyIsA502AndVllmDownIsA502() throws Exception {
        Config wrongKey = ConfigLoader.load(Map.of(
                "TOKENS_JSON",
                "[{\"token\":\"" + TEAM + "\",\"label\":\"t\"}]",
                "VLLM_BASE_URL",
                vllm.baseUrl(),
                "VLLM_API_KEY",
                "wrong-key",
                "SIDECAR_PORT",
                "0"));
        Javalin other =
                App.create(wrongKey, new MemoryRateLimiter(Clock.systemUTC())).start();
        int p = other.port();
        try {
            var r = Http.post(
                    URI.create("http://127.0.0.1:" + p + "/v1/chat/completions"), CHAT, "Authorization", bearer(TEAM));
            assertOpenAiError(r, 502, "backend_error"); // reached, and it refused: not unreachable
        } finally {
            other.stop();
        }
        Config down = ConfigLoader.load(Map.of(
                "TOKENS_JSON",
                "[{\"token\":\"" + TEAM + "\",\"label\":\"t\"}]",
                "VLLM_BASE_URL",
                "http://127.0.0.1:" + Ports.free(),
                "OLLAMA_BASE_URL",
                "http://127.0.0.1:" + Ports.free(),
                "SIDECAR_PORT",
                "0"));
        Javalin noBackend =
                App.create(down, new MemoryRateLimiter(Clock.systemUTC())).start();
        int p2 = noBackend.port();
        try {
            var r = Http.post(
                    URI.create("http://127.0.0.1:" + p2 + "/v1/chat/completions"), CHAT, "Authorization", bearer(TEAM));
            assertOpenAiError(r, 502, "backend_unavailable");
            assertOpenAiError(
                    Http.get(URI.create("http://127.0.0.1:" + p2 + "/v1/models"), "Authorization", bearer(TEAM)),
                    502,
                    "backend_unavailable");
        } finally {
            noBackend.stop();
        }
    }

    /** A vLLM that reads one request, never answers, and reports when the gateway closes the connection. */
    @Test
    @SuppressWarnings("try") // the client is closed inside its try on purpose: that is the client leaving
    void aClientLeavingANonStreamedVllmCallClosesTheVllmRequestWithinASecond() throws Exception {
        try (var silentVllm = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            var received = new java.util.concurrent.CompletableFuture<Long>();
            var closedAt = new java.util.concurrent.CompletableFuture<Long>();
            Thread.ofVirtual().start(() -> {
                while (true) {
                    try (var upstream = silentVllm.accept()) {
                        var in = upstream.getInputStream();
                        byte[] buf = new byte[8192];
                        int n = in.read(buf);
                        if (n <= 0
                                || !new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII)
                                        .startsWith("POST")) {
                            continue; // model discovery asking what it serves: closed unanswered, not the call
                        }
                        received.complete(System.nanoTime()); // the request (and nothing after it) arrived
                        while (in.read(buf) > 0) {
                            // nothing more comes
                        }
                        closedAt.complete(System.nanoTime());
                        return;
                    } catch (java.io.IOException e) {
                        closedAt.complete(System.nanoTime());
                        return;
                    }
                }
            });
            Config c = ConfigLoader.load(Map.of(
                    "TOKENS_JSON",
                    "[{\"token\":\"" + TEAM + "\",\"label\":\"t\"}]",
                    "VLLM_BASE_URL",
                    "http://127.0.0.1:" + silentVllm.getLocalPort(),
                    "OLLAMA_BASE_URL",
                    "http://127.0.0.1:" + Ports.free(),
                    "SIDECAR_PORT",
                    "0"));
            Javalin alone =
                    App.create(c, new MemoryRateLimiter(Clock.systemUTC())).start();
            int p = alone.port();
            try (var client = new java.net.Socket("127.0.0.1", p)) {
                byte[] body = CHAT.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                client.getOutputStream()
                        .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: " + bearer(TEAM)
                                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                                        + "\r\n\r\n")
                                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                client.getOutputStream().write(body);
                client.getOutputStream().flush();
                received.get(5, java.util.concurrent.TimeUnit.SECONDS);
                long leftAt = System.nanoTime();
                client.close(); // the client gives up while vLLM is still thinking
                long ms = (closedAt.get(5, java.util.concurrent.TimeUnit.SECONDS) - leftAt) / 1_000_000;
                assertTrue(ms < 1_000, "vLLM saw its request closed " + ms + " ms after the client left");
            } finally {
                alone.stop();
            }
        }
    }

    @Test
    void metricsCountDecisionsByOutcomeAndLabel() throws Exception {
        Http.post(url("/v1/chat/completions"), CHAT, "Authorization", bearer("sk-nobody-at-all"));
        Http.post(
                url("/v1/chat/completions"),
                CHAT.replace("vllm:llama3", "vllm:x"),
                "Authorization",
                bearer(LLAMA_ONLY));
        var m = Http.get(url("/metrics"));
        assertEquals(200, m.statusCode());
        assertTrue(m.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
        String text = m.body();
        assertTrue(
                text.matches(
                        "(?s).*llmproxy_authz_decisions_total\\{outcome=\"unauthenticated\",token_label=\"\"} [1-9].*"),
                text);
        assertTrue(
                text.matches(
                        "(?s).*llmproxy_authz_decisions_total\\{outcome=\"forbidden\",token_label=\"llama-only\"} [1-9].*"),
                text);
        assertTrue(text.contains("llmproxy_ratelimit_decision_seconds_count"), text);
        assertTrue(text.contains("llmproxy_ratelimit_store_errors_total 0"), text);
        assertFalse(text.contains("sk-"), "no token in metrics");
    }

    @Test
    void healthAndReadiness() throws Exception {
        var h = Http.get(url("/healthz"));
        assertEquals(200, h.statusCode());
        assertEquals("ok", JSON.readTree(h.body()).path("status").asText());
        var r = Http.get(url("/readyz"));
        assertEquals(200, r.statusCode());
        assertEquals("ready", JSON.readTree(r.body()).path("status").asText());
    }

    @Test
    void clientDisconnectMidStreamClosesTheUpstreamRequest() throws Exception {
        vllm.streamDelayMillis = 200;
        vllm.streamChunks = 50;
        var req = HttpRequest.newBuilder(url("/v1/chat/completions"))
                .header("Authorization", bearer(TEAM))
                .POST(HttpRequest.BodyPublishers.ofString(CHAT.replace("{\"model\"", "{\"stream\":true,\"model\"")))
                .build();
        HttpResponse<java.io.InputStream> r = Http.client().send(req, HttpResponse.BodyHandlers.ofInputStream());
        var in = r.body();
        assertTrue(in.read(new byte[64]) > 0);
        in.close(); // the client goes away after the first bytes
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (vllm.openStreams() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, vllm.openStreams(), "vLLM is still streaming to nobody");
        vllm.streamChunks = 5;
    }
}
