package dev.llmproxy.robust;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.http.App;
import dev.llmproxy.ratelimit.MemoryRateLimiter;
import dev.llmproxy.testing.FakeVllm;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.testing.OneConnection;
import io.javalin.Javalin;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every header the sidecar trusts is read exactly as this request sent it, whatever came earlier on the same
 * kept-alive connection. nginx shares its connections to the sidecar between all clients, so a header value
 * remembered from one request (Jetty caches header fields per connection) would decide another client's. The
 * calls here are model calls as nginx sends them: an admitted vLLM call is handed back with its label.
 */
@Integration
class KeptConnectionTest {
    static final String SECRET = "kept-connection-secret-0123456789abcdef";
    static final String TEAM = "sk-Kept-Team-9c7B1e4794f0905a";
    static final String UPPER = "sk-Case-Pair-0123456789";
    static final String LOWER = "sk-case-pair-0123456789";
    static final String LLAMA_ONLY = "sk-kept-llama-only-0123";
    static final String TOKENS = """
            [{"token":"%s","label":"team","rpm":100000},
             {"token":"%s","label":"pair-upper","rpm":200000},
             {"token":"%s","label":"pair-lower","rpm":300000},
             {"token":"%s","label":"llama-only","models":["vllm:Llama*"]}]
            """.formatted(TEAM, UPPER, LOWER, LLAMA_ONLY);
    static final String CHAT = "{\"model\":\"vllm:llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    static FakeVllm vllm;
    static Javalin sidecar;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        vllm = new FakeVllm("upstream-key-1");
        Config config = ConfigLoader.load(Map.of(
                "TOKENS_JSON",
                TOKENS,
                "VLLM_BASE_URL",
                vllm.baseUrl(),
                "VLLM_API_KEY",
                "upstream-key-1",
                "GATEWAY_SECRET",
                SECRET,
                "SIDECAR_PORT",
                "0"));
        sidecar = App.create(config, new MemoryRateLimiter(Clock.systemUTC())).start();
        port = sidecar.port();
    }

    @AfterAll
    static void stop() {
        sidecar.stop();
        vllm.close();
    }

    static List<String> caseVariants(String token) {
        StringBuilder swapped = new StringBuilder();
        for (char c : token.toCharArray()) {
            swapped.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
        }
        List<String> variants =
                List.of(token.toUpperCase(Locale.ROOT), token.toLowerCase(Locale.ROOT), swapped.toString());
        variants.forEach(v -> assertNotEquals(token, v, "a variant must differ from the token"));
        return variants;
    }

    /** A model call as nginx sends it: the sidecar decides, and hands an admitted vLLM call back (204 + its label). */
    static OneConnection.Answer authz(OneConnection c, String token, String model) throws Exception {
        return c.post(
                "/v1/chat/completions",
                CHAT.replace("vllm:llama3", model),
                "Authorization",
                bearer(token),
                "X-Gateway-Secret",
                SECRET);
    }

    @Test
    void authzReadsEveryTokenExactlyOnOneConnection() throws Exception {
        try (var c = new OneConnection(port)) {
            var first = authz(c, TEAM, "vllm:llama3");
            assertEquals(204, first.status());
            assertEquals("team", first.header("X-Token-Label"));
            for (String variant : caseVariants(TEAM)) {
                var r = authz(c, variant, "vllm:llama3");
                assertEquals(
                        401, r.status(), "case variant " + variant + " was admitted as " + r.header("X-Token-Label"));
                assertNull(r.header("X-Token-Label"));
            }
            var again = authz(c, TEAM, "vllm:llama3");
            assertEquals(204, again.status());
            assertEquals("team", again.header("X-Token-Label"));
        }
    }

    @Test
    void twoTokensThatDifferOnlyInCaseEachGetTheirOwnLabel() throws Exception {
        try (var c = new OneConnection(port)) {
            for (int i = 0; i < 6; i++) {
                boolean upper = i % 2 == 0;
                var r = authz(c, upper ? UPPER : LOWER, "vllm:llama3");
                assertEquals(204, r.status());
                assertEquals(upper ? "pair-upper" : "pair-lower", r.header("X-Token-Label"), "request " + i);
            }
        }
    }

    @Test
    void modelNamesAreReadExactlyInEitherOrder() throws Exception {
        for (List<String> order : List.of(
                List.of("vllm:Llama-3", "vllm:llama-3", "vllm:Llama-3"),
                List.of("vllm:llama-3", "vllm:Llama-3", "vllm:llama-3"))) {
            try (var c = new OneConnection(port)) {
                for (String model : order) {
                    var r = authz(c, LLAMA_ONLY, model);
                    assertEquals(model.equals("vllm:Llama-3") ? 204 : 403, r.status(), model + " in " + order);
                }
            }
        }
    }

    @Test
    void theSecretIsReadExactlyOnOneConnection() throws Exception {
        try (var c = new OneConnection(port)) {
            for (String secret : List.of(SECRET, SECRET.toUpperCase(Locale.ROOT), SECRET)) {
                var r = c.post("/v1/chat/completions", CHAT, "Authorization", bearer(TEAM), "X-Gateway-Secret", secret);
                // From nginx: handed back (204); anyone else: relayed by the sidecar itself (vLLM's 200).
                assertEquals(secret.equals(SECRET) ? 204 : 200, r.status(), secret);
                assertEquals(secret.equals(SECRET), r.header("X-Accel-Redirect") != null, secret);
            }
        }
    }

    @Test
    void modelCallsInSidecarAloneModeReadTheTokenExactly() throws Exception {
        vllm.reset();
        try (var c = new OneConnection(port)) {
            for (String token : List.of(TEAM, TEAM.toUpperCase(Locale.ROOT), TEAM, TEAM.toLowerCase(Locale.ROOT))) {
                var r = c.post("/v1/chat/completions", CHAT, "Authorization", bearer(token));
                assertEquals(token.equals(TEAM) ? 200 : 401, r.status(), token + ": " + r.body());
            }
            var models = c.get("/v1/models", "Authorization", bearer(TEAM.toUpperCase(Locale.ROOT)));
            assertEquals(401, models.status(), models.body());
        }
        assertEquals(
                2,
                vllm.received().stream()
                        .filter(r -> r.path().endsWith("/chat/completions"))
                        .count());
    }

    /** Tokens cycling over kept connections in parallel: every verdict must be the one its own token earns. */
    @Test
    void authzUnderParallelKeptConnectionsIsNeverWrong() throws Exception {
        List<String> tokens = List.of(
                TEAM,
                TEAM.toUpperCase(Locale.ROOT),
                UPPER,
                LOWER,
                "sk-nobody-0123456789",
                UPPER.toUpperCase(Locale.ROOT));
        Map<String, String> expected = Map.of(TEAM, "team", UPPER, "pair-upper", LOWER, "pair-lower");
        var wrong = new ConcurrentLinkedQueue<String>();
        try (var pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int offset = t;
                done.add(pool.submit(() -> {
                    try (var c = new OneConnection(port)) {
                        for (int i = 0; i < 300; i++) {
                            String token = tokens.get((i + offset) % tokens.size());
                            var r = authz(c, token, "vllm:llama3");
                            String label = expected.get(token);
                            int want = label == null ? 401 : 204;
                            if (r.status() != want || !java.util.Objects.equals(label, r.header("X-Token-Label"))) {
                                wrong.add(token + " -> " + r.status() + " " + r.header("X-Token-Label"));
                            }
                        }
                    }
                    return null;
                }));
            }
            for (var f : done) {
                f.get();
            }
        }
        assertTrue(
                wrong.isEmpty(),
                wrong.size() + " of 4800 verdicts were wrong, e.g. "
                        + wrong.stream().limit(5).toList());
    }

    /**
     * Through nginx, whose kept connections to the sidecar carry every client's authz calls: each answer belongs
     * to its own token, and nothing reaches vLLM for a token that is not configured exactly.
     */
    @Test
    void throughNginxEveryAnswerBelongsToItsOwnToken() throws Exception {
        try (Gateway gw = Gateway.start(TOKENS, Map.of())) {
            int nginxPort = gw.url("/").getPort();
            List<String> tokens = List.of(
                    TEAM,
                    TEAM.toUpperCase(Locale.ROOT),
                    UPPER,
                    "sk-nobody-0123456789",
                    LOWER,
                    LOWER.toUpperCase(Locale.ROOT).replace("SK", "sk"));
            Map<String, String> expected = Map.of(TEAM, "team", UPPER, "pair-upper", LOWER, "pair-lower");
            Map<String, String> sentLabel = new ConcurrentHashMap<>();
            var wrong = new ConcurrentLinkedQueue<String>();
            int clients = 16;
            int each = 150;
            try (var pool = Executors.newFixedThreadPool(clients)) {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < clients; t++) {
                    int client = t;
                    done.add(pool.submit(() -> {
                        try (var c = new OneConnection(nginxPort)) {
                            for (int i = 0; i < each; i++) {
                                String token = tokens.get((i + client) % tokens.size());
                                String id = "kept-" + client + "-" + i;
                                String label = expected.get(token);
                                if (label != null) {
                                    sentLabel.put(id, label);
                                }
                                var r = c.post(
                                        "/v1/chat/completions",
                                        CHAT,
                                        "Authorization",
                                        bearer(token),
                                        "X-Request-ID",
                                        id);
                                int want = label == null ? 401 : 200;
                                String limit = r.header("X-RateLimit-Limit-Requests");
                                String wantLimit = label == null
                                        ? null
                                        : Map.of("team", "100000", "pair-upper", "200000", "pair-lower", "300000")
                                                .get(label);
                                if (r.status() != want || !java.util.Objects.equals(wantLimit, limit)) {
                                    wrong.add(id + " " + token + " -> " + r.status() + " limit " + limit);
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (var f : done) {
                    f.get();
                }
            }
            assertTrue(
                    wrong.isEmpty(),
                    wrong.size() + " of " + clients * each + " answers were wrong, e.g. "
                            + wrong.stream().limit(5).toList());
            var received = gw.vllm.received();
            assertEquals(
                    sentLabel.size(), received.size(), "vLLM must receive exactly the requests of configured tokens");
            for (var r : received) {
                String id = r.headers().get("x-request-id");
                assertEquals(sentLabel.get(id), r.headers().get("x-token-label"), "request " + id);
            }
        }
    }
}
