package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.auth.TokenDigest;
import dev.llmproxy.testing.ErrorBodies;
import dev.llmproxy.testing.FakeVllm;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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

/** The gateway as deployed: real nginx, the real sidecar, a faithful fake vLLM. */
@Integration
class NginxGatewayTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TEAM = "sk-team-a-0123456789";
    static final String RPM5 = "sk-rpm5-0123456789";
    static final String RPM2 = "sk-rpm2-0123456789";
    static final String RPD3 = "sk-rpd3-0123456789";
    static final String ONLY_LLAMA = "sk-only-llama-0123456789";
    static final String HASHED = "sk-hashed-0123456789";
    static final String LIST_RPM1 = "sk-list-rpm1-0123456789";
    static final String CHAT = "{\"model\":\"vllm:llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = Gateway.start(
                """
                [{"token":"%s","label":"team-a","rpm":100000,"rpd":1000000},
                 {"token":"%s","label":"rpm5","rpm":5},
                 {"token":"%s","label":"rpm2","rpm":2,"rpd":1000},
                 {"token":"%s","label":"rpd3","rpm":100,"rpd":3},
                 {"token":"%s","label":"only-llama","models":["vllm:llama3"]},
                 {"token_sha256":"%s","label":"hashed"},
                 {"token":"%s","label":"list-rpm1","rpm":1}]
                """.formatted(
                                TEAM,
                                RPM5,
                                RPM2,
                                RPD3,
                                ONLY_LLAMA,
                                TokenDigest.of(HASHED).hex(),
                                LIST_RPM1),
                Map.of("MAX_BODY_BYTES", "65536"));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @BeforeEach
    void clear() {
        gw.vllm.reset();
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static void assertOpenAiError(HttpResponse<String> r, int status, String code) throws Exception {
        ErrorBodies.assertError(r, status, code);
    }

    @Test
    void chatWithPrefixReachesVllmWithoutPrefixAndWithoutClientToken() throws Exception {
        var r = Http.post(
                gw.url("/v1/chat/completions"),
                CHAT,
                "Authorization",
                bearer(TEAM),
                "Content-Type",
                "application/json");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("chat.completion", json(r).path("object").asText());
        assertEquals("Hello from vLLM", json(r).at("/choices/0/message/content").asText());
        var seen = gw.vllm.last();
        assertEquals("/v1/chat/completions", seen.path());
        assertEquals("llama3", seen.json().path("model").asText());
        assertEquals("Bearer " + Gateway.VLLM_KEY, seen.headers().get("authorization"));
        assertFalse(seen.headers().toString().contains(TEAM), "client token reached vLLM");
        assertFalse(seen.headers().containsKey("x-gateway-secret"), "the sidecar secret reached vLLM");
        assertEquals(
                "100000", r.headers().firstValue("x-ratelimit-limit-requests").orElse(null));
        assertTrue(r.headers().firstValue("x-request-id").isPresent());
    }

    @Test
    void modelWithoutPrefixGoesToDefaultBackendUnchanged() throws Exception {
        var r = Http.post(
                gw.url("/v1/chat/completions"),
                CHAT.replace("vllm:llama3", "meta-llama/Llama-3.1-8B-Instruct"),
                "Authorization",
                bearer(TEAM));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(
                "meta-llama/Llama-3.1-8B-Instruct",
                gw.vllm.last().json().path("model").asText());
    }

    @Test
    void prefixStrippingKeepsEveryOtherByte() {
        String body =
                "{\"temperature\":1.0,\"seed\":12345678901234567890,\"model\":\"vllm:llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9\"}]}";
        var r = Http.post(gw.url("/v1/chat/completions"), body, "Authorization", bearer(TEAM));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(body.replace("vllm:llama3", "llama3"), gw.vllm.last().body());
    }

    @Test
    void completionsAndEmbeddings() throws Exception {
        var c = Http.post(
                gw.url("/v1/completions"),
                "{\"model\":\"vllm:llama3\",\"prompt\":\"Say hi\"}",
                "Authorization",
                bearer(TEAM));
        assertEquals(200, c.statusCode(), c.body());
        assertEquals("text_completion", json(c).path("object").asText());
        assertEquals("/v1/completions", gw.vllm.last().path());

        var e = Http.post(
                gw.url("/v1/embeddings"), "{\"model\":\"llama3\",\"input\":\"hello\"}", "Authorization", bearer(TEAM));
        assertEquals(200, e.statusCode(), e.body());
        assertEquals(3, json(e).at("/data/0/embedding").size());
        assertEquals("llama3", gw.vllm.last().json().path("model").asText());
    }

    @Test
    void streamingEventsArriveOneByOne() throws Exception {
        gw.vllm.streamDelayMillis = 200;
        gw.vllm.streamChunks = 5;
        var req = HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                .header("Authorization", bearer(TEAM))
                .POST(HttpRequest.BodyPublishers.ofString(CHAT.replace("{\"model\"", "{\"stream\":true,\"model\"")))
                .build();
        HttpResponse<InputStream> r = Http.client().send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<Long> arrivals = new ArrayList<>();
        List<String> events = new ArrayList<>();
        try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    arrivals.add(System.nanoTime());
                    events.add(line.substring(6));
                }
            }
        }
        assertEquals(7, events.size(), events.toString()); // 5 content chunks, the finish chunk, [DONE]
        assertEquals("[DONE]", events.get(6));
        assertEquals("llama3", JSON.readTree(events.get(0)).path("model").asText());
        // The upstream spaces its 5 content events 200 ms apart: buffered, they would arrive together.
        long spreadMillis = (arrivals.get(4) - arrivals.get(0)) / 1_000_000;
        assertTrue(spreadMillis >= 600, "events arrived bunched within " + spreadMillis + " ms");
    }

    @Test
    void missingMalformedAndUnknownTokensGet401Json() throws Exception {
        for (String[] headers : new String[][] {
            {},
            {"Authorization", "Basic abc"},
            {"Authorization", "Bearer"},
            {"Authorization", bearer("sk-nobody-0123456789")}
        }) {
            var r = Http.post(gw.url("/v1/chat/completions"), CHAT, headers);
            assertOpenAiError(r, 401, "invalid_api_key");
            assertEquals(
                    "Bearer realm=\"llm-proxy\"",
                    r.headers().firstValue("www-authenticate").orElse(null));
            assertEquals(1, r.headers().allValues("www-authenticate").size());
        }
        assertTrue(gw.vllm.received().isEmpty());
    }

    @Test
    void hashedTokenAuthenticates() {
        var r = Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(HASHED));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(
                r.headers().firstValue("x-ratelimit-limit-requests").isEmpty(),
                "an unlimited token has no limit headers");
    }

    @Test
    void rateLimitedRequestGets429WithRetryHeadersAndOpenAiBody() throws Exception {
        for (int i = 0; i < 2; i++) {
            var ok = Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(RPM2));
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals(
                    "2", ok.headers().firstValue("x-ratelimit-limit-requests").orElse(null));
            assertEquals(
                    Integer.toString(1 - i),
                    ok.headers().firstValue("x-ratelimit-remaining-requests").orElse(null));
        }
        var r = Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(RPM2));
        assertOpenAiError(r, 429, "rate_limit_exceeded");
        assertEquals("requests", json(r).at("/error/type").asText());
        assertTrue(json(r).at("/error/message").asText().contains("rpm2"));
        long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
        long retryAfterMs =
                Long.parseLong(r.headers().firstValue("retry-after-ms").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 30, "retry-after " + retryAfter); // one request refills every 30 s
        assertTrue(
                retryAfterMs <= retryAfter * 1000 && retryAfterMs > (retryAfter - 1) * 1000,
                retryAfterMs + " vs " + retryAfter);
        assertEquals(
                "0", r.headers().firstValue("x-ratelimit-remaining-requests").orElse(null));
        assertTrue(
                r.headers().firstValue("x-ratelimit-reset-requests").orElse("").matches("\\d+s|\\d+m\\d+s"));
        assertTrue(r.headers().firstValue("x-should-retry").isEmpty(), "a minute limit is worth retrying");
        assertEquals(2, gw.vllm.received().size());
    }

    @Test
    void exactlyRpmOfTwentyParallelRequestsAreAdmitted() throws Exception {
        var start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(20)) {
            for (int i = 0; i < 20; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(RPM5))
                            .statusCode();
                }));
            }
            start.countDown();
            int ok = 0;
            int limited = 0;
            for (var f : results) {
                int s = f.get();
                ok += s == 200 ? 1 : 0;
                limited += s == 429 ? 1 : 0;
            }
            assertEquals(5, ok);
            assertEquals(15, limited);
        }
        assertEquals(5, gw.vllm.received().size());
    }

    @Test
    void dailyExhaustionIsMarkedNotRetryable() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(
                    200,
                    Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(RPD3))
                            .statusCode());
        }
        var r = Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(RPD3));
        assertOpenAiError(r, 429, "rate_limit_exceeded");
        assertEquals("false", r.headers().firstValue("x-should-retry").orElse(null));
        assertTrue(Long.parseLong(r.headers().firstValue("retry-after").orElseThrow()) > 3600);
        assertTrue(json(r).at("/error/message").asText().contains("per day"));
        assertEquals("3", r.headers().firstValue("x-ratelimit-limit-requests").orElse(null));
    }

    @Test
    void modelOutsideAllowlistIs403() throws Exception {
        assertEquals(
                200,
                Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(ONLY_LLAMA))
                        .statusCode());
        var r = Http.post(
                gw.url("/v1/chat/completions"),
                CHAT.replace("vllm:llama3", "vllm:meta-llama/Llama-3.1-8B-Instruct"),
                "Authorization",
                bearer(ONLY_LLAMA));
        assertOpenAiError(r, 403, "model_not_allowed");
        assertEquals(1, gw.vllm.received().size());
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        String big = CHAT.replace("Hi", "x".repeat(70_000));
        assertOpenAiError(
                Http.post(gw.url("/v1/chat/completions"), big, "Authorization", bearer(TEAM)),
                413,
                "request_too_large");
        assertTrue(gw.vllm.received().isEmpty());
    }

    @Test
    void malformedJsonAndMissingModelAre400() throws Exception {
        assertOpenAiError(
                Http.post(gw.url("/v1/chat/completions"), "{\"model\":", "Authorization", bearer(TEAM)),
                400,
                "invalid_json");
        assertOpenAiError(
                Http.post(gw.url("/v1/chat/completions"), "[1,2]", "Authorization", bearer(TEAM)), 400, "invalid_json");
        assertOpenAiError(
                Http.post(gw.url("/v1/chat/completions"), "", "Authorization", bearer(TEAM)), 400, "invalid_json");
        assertOpenAiError(
                Http.post(gw.url("/v1/chat/completions"), "{\"messages\":[]}", "Authorization", bearer(TEAM)),
                400,
                "missing_model");
        assertOpenAiError(
                Http.post(gw.url("/v1/chat/completions"), "{\"model\":42}", "Authorization", bearer(TEAM)),
                400,
                "invalid_model");
        assertOpenAiError(
                Http.post(
                        gw.url("/v1/chat/completions"), "{\"model\":\"a\\nX-Evil: 1\"}", "Authorization", bearer(TEAM)),
                400,
                "invalid_model");
        assertTrue(gw.vllm.received().isEmpty());
    }

    @Test
    void clientSuppliedTrustedHeadersChangeNothing() throws Exception {
        var r = Http.post(
                gw.url("/v1/chat/completions"),
                CHAT,
                "Authorization",
                bearer(TEAM),
                "X-Proxy-Backend",
                "ollama",
                "x-proxy-backend",
                "ollama",
                "X-Token-Label",
                "admin",
                "X-RateLimit-Checked",
                "1",
                "X-Gateway-Secret",
                "guess",
                "X-LLM-Model",
                "vllm:other",
                "X-LLM-Backend",
                "ollama",
                "X_Proxy_Backend",
                "ollama",
                "X-Authz-Reason",
                "x");
        assertEquals(200, r.statusCode(), r.body());
        var seen = gw.vllm.last().headers();
        assertEquals("vllm", seen.get("x-proxy-backend"));
        assertEquals("team-a", seen.get("x-token-label"));
        assertEquals("vllm:llama3", seen.get("x-llm-model"));
        assertNull(seen.get("x-llm-backend"), "the gateway sends no X-LLM-Backend, and a client's does not pass");
        assertNull(seen.get("x-gateway-secret"));
        assertNull(seen.get("x_proxy_backend"));
        assertNull(seen.get("x-authz-reason"));

        // Going straight to the sidecar with X-RateLimit-Checked but no secret: counted and checked as usual.
        var direct = Http.post(
                gw.sidecarUrl("/v1/chat/completions"), CHAT, "X-RateLimit-Checked", "1", "X-Token-Label", "team-a");
        assertOpenAiError(direct, 401, "invalid_api_key");
    }

    @Test
    void unknownPathAndWrongMethodAreJson() throws Exception {
        assertOpenAiError(Http.get(gw.url("/v1/nope"), "Authorization", bearer(TEAM)), 404, "unknown_url");
        assertOpenAiError(
                Http.get(gw.url("/v1/chat/completions"), "Authorization", bearer(TEAM)), 405, "method_not_allowed");
        assertOpenAiError(
                Http.post(gw.url("/v1/models"), "{}", "Authorization", bearer(TEAM)), 405, "method_not_allowed");
        assertOpenAiError(Http.get(gw.url("/internal/authz"), "Authorization", bearer(TEAM)), 404, "unknown_url");
        assertOpenAiError(Http.get(gw.url("/metrics")), 404, "unknown_url");
        assertOpenAiError(Http.get(gw.url("/readyz")), 404, "unknown_url");
    }

    @Test
    void oversizedHeadersAreJsonToo() throws Exception {
        var r = Http.post(
                gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(TEAM), "X-Junk", "x".repeat(20_000));
        assertOpenAiError(r, 400, "bad_request");
    }

    @Test
    void listsModelsWithTheirPrefix() throws Exception {
        var r = Http.get(gw.url("/v1/models"), "Authorization", bearer(TEAM));
        assertEquals(200, r.statusCode(), r.body());
        List<String> ids = new ArrayList<>();
        json(r).path("data").forEach(m -> ids.add(m.path("id").asText()));
        assertTrue(
                ids.containsAll(FakeVllm.MODELS.stream().map(m -> "vllm:" + m).toList()), ids.toString());
        assertTrue(ids.contains("ollama:llama3.2:latest"), ids.toString());
        assertOpenAiError(Http.get(gw.url("/v1/models")), 401, "invalid_api_key");
    }

    /**
     * SDKs list models at start-up; a listing costs no model time. Through nginx and on the sidecar alone it is
     * authenticated, but never counted against the token's windows, never refused for them, and claims nothing
     * about them in its headers.
     */
    @Test
    void listingModelsSpendsNoRequestsAndIsNeverRateLimited() throws Exception {
        for (int round = 0; round < 2; round++) {
            for (var url : List.of(
                    gw.url("/v1/models"),
                    gw.url("/v1/models/vllm:llama3"),
                    gw.sidecarUrl("/v1/models"),
                    gw.sidecarUrl("/v1/models/vllm:llama3"))) {
                for (int i = 0; i < 3; i++) {
                    var r = Http.get(url, "Authorization", bearer(LIST_RPM1));
                    assertEquals(200, r.statusCode(), url + ": " + r.body());
                    assertTrue(
                            r.headers()
                                    .firstValue("x-ratelimit-remaining-requests")
                                    .isEmpty(),
                            url + " claims a count: " + r.headers());
                }
            }
            var chat = Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(LIST_RPM1));
            if (round == 0) { // twelve listings later, rpm 1 still admits this one
                assertEquals(200, chat.statusCode(), chat.body());
                assertEquals(
                        "0",
                        chat.headers()
                                .firstValue("x-ratelimit-remaining-requests")
                                .orElse(null));
            } else {
                assertOpenAiError(chat, 429, "rate_limit_exceeded");
            }
        }
        assertOpenAiError(
                Http.get(gw.url("/v1/models"), "Authorization", bearer("wrong-token-123")), 401, "invalid_api_key");
        assertOpenAiError(
                Http.get(gw.url("/v1/models/vllm:llama3"), "Authorization", bearer("wrong-token-123")),
                401,
                "invalid_api_key");
    }

    /**
     * An app that calls models.retrieve(model) before using it: every name a chat call is served by is found, with
     * the id as written, through nginx and on the sidecar alone; a name vLLM (the default backend) does not list is
     * not found, as a chat call for it is.
     */
    @Test
    void oneModelIsFoundByEveryNameAChatCallReachesItBy() throws Exception {
        for (String[] named : new String[][] {
            {"llama3", "vllm"},
            {"vllm:llama3", "vllm"},
            {"meta-llama/Llama-3.1-8B-Instruct", "vllm"},
            {"vllm:meta-llama/Llama-3.1-8B-Instruct", "vllm"},
            {"llama3.2", "ollama"},
            {"ollama:llama3.2", "ollama"},
            {"qwen3:0.6b", "ollama"}
        }) {
            for (var url : List.of(gw.url("/v1/models/" + named[0]), gw.sidecarUrl("/v1/models/" + named[0]))) {
                var r = Http.get(url, "Authorization", bearer(TEAM));
                assertEquals(200, r.statusCode(), url + ": " + r.body());
                assertEquals(named[0], json(r).path("id").asText());
                assertEquals(named[1], json(r).path("owned_by").asText());
            }
            var chat = Http.post(
                    gw.url("/v1/chat/completions"),
                    CHAT.replace("vllm:llama3", named[0]),
                    "Authorization",
                    bearer(TEAM));
            assertEquals(200, chat.statusCode(), named[0] + ": " + chat.body());
        }
        for (var url : List.of(gw.url("/v1/models/not-a-model"), gw.sidecarUrl("/v1/models/not-a-model"))) {
            var r = Http.get(url, "Authorization", bearer(TEAM));
            assertOpenAiError(r, 404, "model_not_found");
            assertEquals(
                    "The model 'not-a-model' is not served by the vllm backend.",
                    json(r).at("/error/message").asText());
        }
        assertEquals(
                404,
                Http.post(
                                gw.url("/v1/chat/completions"),
                                CHAT.replace("vllm:llama3", "not-a-model"),
                                "Authorization",
                                bearer(TEAM))
                        .statusCode(),
                "vLLM does not have it either");
    }

    @Test
    void vllmErrorsPassThroughAsOpenAiJson() throws Exception {
        var r = Http.post(
                gw.url("/v1/chat/completions"),
                CHAT.replace("vllm:llama3", "vllm:missing"),
                "Authorization",
                bearer(TEAM));
        assertEquals(404, r.statusCode());
        assertTrue(json(r).at("/error/message").asText().contains("missing"));
    }

    @Test
    void ollamaModelsGoToTheSidecarWithTheBodyUntouched() throws Exception {
        gw.ollama.reset();
        String body = CHAT.replace("vllm:llama3", "ollama:llama3.2");
        var r = Http.post(gw.url("/v1/chat/completions"), body, "Authorization", bearer(TEAM));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("ollama:llama3.2", json(r).path("model").asText());
        assertEquals("llama3.2", gw.ollama.last().body().path("model").asText());
        assertTrue(gw.vllm.received().isEmpty());
        assertEquals(1, gw.ollama.received().size(), "counted once: the sidecar trusted nginx's check");
        assertTrue(
                r.headers().firstValue("x-llm-prompt-tokens").isEmpty(),
                "usage goes to the access log, not the client");
    }

    @Test
    void requestIdIsKeptWhenWellFormedAndLoggedWithoutTheToken() throws Exception {
        var r = Http.post(
                gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(TEAM), "X-Request-ID", "trace-abc.123");
        assertEquals("trace-abc.123", r.headers().firstValue("x-request-id").orElse(null));
        assertEquals("trace-abc.123", gw.vllm.last().headers().get("x-request-id"));
        var bad = Http.post(
                gw.url("/v1/chat/completions"),
                CHAT,
                "Authorization",
                bearer(TEAM),
                "X-Request-ID",
                "no spaces allowed");
        assertTrue(bad.headers().firstValue("x-request-id").orElseThrow().matches("[0-9a-f]{32}"));
        var err = Http.get(gw.url("/nothing-here"));
        assertTrue(err.headers().firstValue("x-request-id").isPresent());

        Thread.sleep(100); // access log lines are written when the request completes
        String line = gw.accessLog()
                .lines()
                .filter(l -> l.contains("trace-abc.123"))
                .findFirst()
                .orElseThrow();
        JsonNode entry = JSON.readTree(line);
        assertEquals("team-a", entry.path("token_label").asText());
        assertEquals("vllm", entry.path("backend").asText());
        assertEquals("vllm:llama3", entry.path("model").asText());
        assertEquals(200, entry.path("status").asInt());
        for (String token : List.of(TEAM, RPM5, RPM2, RPD3, ONLY_LLAMA, HASHED)) {
            assertFalse(gw.accessLog().contains(token), "a token is in the access log");
            assertFalse(gw.errorLog().contains(token), "a token is in the error log");
        }
    }
}
