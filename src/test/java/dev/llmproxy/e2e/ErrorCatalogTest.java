package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.testing.ErrorBodies;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.testing.OneConnection;
import dev.llmproxy.testing.Ports;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every error the gateway can give, provoked for real through nginx and directly at the sidecar: each body is
 * the catalog's ({@link ErrorCode}), and every catalog entry is provoked here or, where that needs a whole setup
 * of its own, by the test named in {@link #ELSEWHERE} (whose assertions check the catalog the same way).
 */
@Integration
class ErrorCatalogTest {
    static final String TEAM = "sk-catalog-team-0123456789";
    static final String ONE_A_DAY = "sk-catalog-once-0123456789";
    static final String ONLY_LLAMA = "sk-catalog-llama-0123456789";
    static final String CHAT = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    /** Entries provoked by other tests, with why not here. */
    static final Map<ErrorCode, String> ELSEWHERE = Map.of(
            ErrorCode.HTTPS_REQUIRED, "e2e.NginxTlsAndCorsTest: needs nginx with TLS",
            ErrorCode.RATE_LIMIT_STORE_UNAVAILABLE, "e2e.RedisGatewayTest: needs a Redis store that stops, closed mode",
            ErrorCode.OVERLOADED, "e2e.BodyBudgetTest: needs a small body budget filled by slow uploads",
            ErrorCode.AUTHZ_UNAVAILABLE, "e2e.NginxFaultsTest: needs the sidecar stopped",
            ErrorCode.BACKEND_TIMEOUT, "e2e.NginxFaultsTest: needs a short upstream timeout",
            ErrorCode.REQUEST_TIMEOUT, "not provoked: Jetty's own idle timeout on a body that stops (30 s and more)",
            ErrorCode.BODY_READ_FAILED, "not provoked: a body whose connection breaks, whose answer nobody reads",
            ErrorCode.INTERNAL_ERROR, "not provoked: a bug; its body is checked in the nginx template test",
            ErrorCode.SERVICE_UNAVAILABLE,
                    "not provoked: nginx answers 503 on its own only if a limit is added; template test",
            ErrorCode.BACKEND_BUSY, "relay.OllamaErrorsTest: the fake Ollama has no full queue");

    static Gateway gw;
    static Gateway noBackends;
    static final Set<ErrorCode> seen = EnumSet.noneOf(ErrorCode.class);

    @BeforeAll
    static void start() throws Exception {
        String tokens = "[{\"token\":\"" + TEAM + "\",\"label\":\"team\"},"
                + "{\"token\":\"" + ONE_A_DAY + "\",\"label\":\"once\",\"rpd\":1},"
                + "{\"token\":\"" + ONLY_LLAMA + "\",\"label\":\"llama\",\"models\":[\"vllm:llama3\"]}]";
        gw = Gateway.start(tokens, Map.of("MAX_BODY_BYTES", "65536"));
        String nowhere = "http://127.0.0.1:" + Ports.free();
        noBackends = Gateway.start(tokens, Map.of("VLLM_BASE_URL", nowhere + "/v1", "OLLAMA_BASE_URL", nowhere));
    }

    @AfterAll
    static void stop() {
        gw.close();
        noBackends.close();
    }

    /** Requests by name, as raw bytes, with the entry each must get from nginx and (if another) from the sidecar. */
    static Map<String, Object[]> provocations() {
        String auth = "Authorization: " + bearer(TEAM) + "\r\n";
        Map<String, Object[]> p = new LinkedHashMap<>();
        p.put("garbage request line", new Object[] {"garbage\r\n\r\n", ErrorCode.BAD_REQUEST});
        p.put("broken JSON", new Object[] {post(auth, "{\"model\":"), ErrorCode.INVALID_JSON});
        p.put("no model", new Object[] {post(auth, "{\"messages\":[]}"), ErrorCode.MISSING_MODEL});
        p.put("a model with a space", new Object[] {post(auth, "{\"model\":\"a b\"}"), ErrorCode.INVALID_MODEL});
        p.put("a field of the wrong type", new Object[] {
            post(
                    auth,
                    "{\"model\":\"ollama:llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"tool_choice\":5}"),
            ErrorCode.INVALID_FIELD
        });
        p.put("no token", new Object[] {post("", CHAT.formatted("vllm:llama3")), ErrorCode.INVALID_API_KEY});
        p.put("a model outside the allowlist", new Object[] {
            post("Authorization: " + bearer(ONLY_LLAMA) + "\r\n", CHAT.formatted("vllm:other")),
            ErrorCode.MODEL_NOT_ALLOWED
        });
        p.put("an unknown URL", new Object[] {"GET /v1/nowhere HTTP/1.1\r\nHost: gw\r\n\r\n", ErrorCode.UNKNOWN_URL});
        p.put("GET on a model call", new Object[] {
            "GET /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n" + auth + "\r\n", ErrorCode.METHOD_NOT_ALLOWED
        });
        p.put("a body over the limit", new Object[] {
            post(auth, CHAT.formatted("vllm:llama3").replace("Hi", "x".repeat(70_000))), ErrorCode.REQUEST_TOO_LARGE
        });
        p.put("rerank asked of Ollama", new Object[] {
            "POST /v1/rerank HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n" + auth
                    + "Content-Length: 61\r\n\r\n{\"model\":\"ollama:llama3.2\",\"query\":\"q\",\"documents\":[\"a\",\"b\"]}",
            ErrorCode.UNSUPPORTED_ENDPOINT
        });
        p.put(
                "an Ollama model it does not have",
                new Object[] {post(auth, CHAT.formatted("ollama:nonexistent")), ErrorCode.MODEL_NOT_FOUND});
        p.put(
                "a URI too long",
                new Object[] {"GET /" + "a".repeat(70_000) + " HTTP/1.1\r\nHost: gw\r\n\r\n", ErrorCode.URI_TOO_LONG});
        p.put("an unknown transfer coding", new Object[] {
            "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n" + auth + "Transfer-Encoding: gzip\r\n\r\n",
            ErrorCode.NOT_IMPLEMENTED,
            ErrorCode.BAD_REQUEST
        }); // Jetty: 400
        p.put(
                "an unknown HTTP version",
                new Object[] {"GET /v1/models HTTP/9.9\r\nHost: gw\r\n\r\n", ErrorCode.UNSUPPORTED_PROTOCOL});
        return p;
    }

    static String post(String headers, String body) {
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n" + headers
                + "Content-Length: " + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "\r\n\r\n"
                + body;
    }

    static OneConnection.Answer send(int port, String request) throws Exception {
        try (var c = new OneConnection(port)) {
            return c.raw(request);
        }
    }

    /** The answer has the entry's status and the catalog's body for it; remembers the entry as provoked. */
    static List<String> check(String what, OneConnection.Answer a, ErrorCode expected) {
        List<String> problems = new ArrayList<>();
        try {
            assertTrue(
                    a.header("Content-Type") != null && a.header("Content-Type").startsWith("application/json"),
                    "content type");
            String code = new ObjectMapper()
                    .readTree(a.body())
                    .path("error")
                    .path("code")
                    .asText();
            assertEquals(expected, ErrorCode.of(code).orElse(null), "code " + code);
            ErrorBodies.assertCatalog(expected, a.status(), a.body());
            seen.add(expected);
        } catch (Throwable t) {
            problems.add(what + ": " + t.getMessage() + " (" + a.status() + " " + a.body() + ")");
        }
        return problems;
    }

    @Test
    void nginxAndTheSidecarAnswerEveryProvocationWithTheCatalogsBody() throws Exception {
        List<String> problems = new ArrayList<>();
        for (var p : provocations().entrySet()) {
            String request = (String) p.getValue()[0];
            ErrorCode expected = (ErrorCode) p.getValue()[1];
            ErrorCode fromSidecar = (ErrorCode) p.getValue()[p.getValue().length - 1];
            problems.addAll(check("nginx, " + p.getKey(), send(gw.url("/").getPort(), request), expected));
            problems.addAll(
                    check("sidecar, " + p.getKey(), send(gw.sidecarUrl("/").getPort(), request), fromSidecar));
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void limitsAndProtocolRefusalsTheSidecarAloneMakes() throws Exception {
        String once = post("Authorization: " + bearer(ONE_A_DAY) + "\r\n", CHAT.formatted("vllm:llama3"));
        int first = send(gw.url("/").getPort(), once).status();
        assertTrue(first == 200 || first == 429, "the day's one call, or (run again) already spent: " + first);
        List<String> problems = new ArrayList<>();
        problems.addAll(
                check("nginx, over the daily limit", send(gw.url("/").getPort(), once), ErrorCode.RATE_LIMIT_EXCEEDED));
        problems.addAll(check(
                "sidecar, over the daily limit",
                send(gw.sidecarUrl("/").getPort(), once),
                ErrorCode.RATE_LIMIT_EXCEEDED));
        // nginx answers these itself (its 400 for headers, its 100-continue); the sidecar's own words:
        problems.addAll(check(
                "sidecar, headers too large",
                send(
                        gw.sidecarUrl("/").getPort(),
                        "GET /v1/models HTTP/1.1\r\nHost: gw\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n"),
                ErrorCode.HEADERS_TOO_LARGE));
        problems.addAll(check(
                "sidecar, an HTTP/2 preface",
                send(gw.sidecarUrl("/").getPort(), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
                ErrorCode.UPGRADE_REQUIRED));
        problems.addAll(check(
                "sidecar, unknown Expect",
                send(
                        gw.sidecarUrl("/").getPort(),
                        "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n"
                                + "Expect: 100-continue-x\r\nContent-Length: 2\r\n\r\n{}"),
                ErrorCode.EXPECTATION_FAILED));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void backendsThatFailOrCannotBeReached() throws Exception {
        List<String> problems = new ArrayList<>();
        String auth = "Authorization: " + bearer(TEAM) + "\r\n";
        var viaNginx = send(noBackends.url("/").getPort(), post(auth, CHAT.formatted("vllm:llama3")));
        assertTrue(
                viaNginx.body().contains("The vllm backend is unreachable."),
                "nginx names the backend: " + viaNginx.body());
        for (String model : List.of("vllm:llama3", "ollama:llama3.2")) {
            problems.addAll(check(
                    "nginx, " + model + " unreachable",
                    send(noBackends.url("/").getPort(), post(auth, CHAT.formatted(model))),
                    ErrorCode.BACKEND_UNAVAILABLE));
            problems.addAll(check(
                    "sidecar, " + model + " unreachable",
                    send(noBackends.sidecarUrl("/").getPort(), post(auth, CHAT.formatted(model))),
                    ErrorCode.BACKEND_UNAVAILABLE));
        }
        problems.addAll(check(
                "sidecar, no backend lists models",
                send(noBackends.sidecarUrl("/").getPort(), "GET /v1/models HTTP/1.1\r\nHost: gw\r\n" + auth + "\r\n"),
                ErrorCode.BACKEND_UNAVAILABLE));
        assertTrue(problems.isEmpty(), String.join("\n", problems));

        // A stream that fails midway ends with the catalog's error event.
        var stream = send(
                gw.url("/").getPort(),
                post(
                        auth,
                        "{\"model\":\"ollama:broken\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
        String event = stream.body()
                .lines()
                .filter(l -> l.startsWith("data: {\"error\""))
                .findFirst()
                .orElseThrow(() -> new AssertionError(stream.body()));
        ErrorBodies.assertCatalog(ErrorCode.BACKEND_ERROR, 502, event.substring("data: ".length()));
        seen.add(ErrorCode.BACKEND_ERROR);
    }

    @Test
    void everyEntryIsProvokedHereOrByANamedTest() throws Exception {
        nginxAndTheSidecarAnswerEveryProvocationWithTheCatalogsBody();
        limitsAndProtocolRefusalsTheSidecarAloneMakes();
        backendsThatFailOrCannotBeReached();
        Set<ErrorCode> unaccounted = EnumSet.allOf(ErrorCode.class);
        unaccounted.removeAll(seen);
        unaccounted.removeAll(ELSEWHERE.keySet());
        assertEquals(Set.of(), unaccounted, "catalog entries no test provokes");
        for (String where : ELSEWHERE.values()) {
            String test = where.substring(0, where.indexOf(':'));
            if (!test.equals("not provoked")) {
                Class.forName("dev.llmproxy." + test); // the test named is one that exists
            }
        }
        Set<ErrorCode> both = EnumSet.copyOf(seen);
        both.retainAll(ELSEWHERE.keySet());
        assertEquals(Set.of(), both, "provoked here: remove from ELSEWHERE");
    }
}
