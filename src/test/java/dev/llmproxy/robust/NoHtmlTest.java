package dev.llmproxy.robust;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.testing.OneConnection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every answer a client can see is JSON in OpenAI's error shape, also where Jetty or nginx answer on their own
 * (unparseable requests, upgrades, lengths over a limit, unknown methods and versions): never an HTML page,
 * never a session cookie. Checked directly against the sidecar and through nginx.
 */
@Integration
class NoHtmlTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "sk-no-html-team-0123456789";
    static final String AUTH = "Authorization: Bearer " + TOKEN + "\r\n";
    static final String CHAT = "{\"model\":\"ollama:llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    static final String WEBSOCKET =
            "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n";
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = Gateway.start("[{\"token\":\"" + TOKEN + "\",\"label\":\"team\"}]", Map.of());
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    /** Hostile or broken requests, by name, as raw bytes. */
    static Map<String, String> requests() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put(
                "websocket upgrade on a chat call",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n" + WEBSOCKET + AUTH
                        + "Content-Type: application/json\r\nContent-Length: " + CHAT.length() + "\r\n\r\n" + CHAT);
        r.put(
                "websocket upgrade on the model list",
                "GET /v1/models HTTP/1.1\r\nHost: gw\r\n" + WEBSOCKET + AUTH + "\r\n");
        r.put("websocket upgrade without a token", "GET /v1/models HTTP/1.1\r\nHost: gw\r\n" + WEBSOCKET + "\r\n");
        r.put(
                "h2c upgrade",
                "GET /v1/models HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                        + "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n" + AUTH + "\r\n");
        r.put("bad percent escape", "GET /v1/%zz HTTP/1.1\r\nHost: gw\r\n\r\n");
        r.put("dot segments above the root", "GET /v1/../../etc/passwd HTTP/1.1\r\nHost: gw\r\n\r\n");
        r.put("encoded NUL", "GET /v1/mo%00dels HTTP/1.1\r\nHost: gw\r\n\r\n");
        r.put("unknown method", "FOO /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n");
        r.put("TRACE", "TRACE /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n");
        r.put("asterisk target", "OPTIONS * HTTP/1.1\r\nHost: gw\r\n\r\n");
        r.put("no Host", "GET /v1/models HTTP/1.1\r\n\r\n");
        r.put("unknown HTTP version", "GET /v1/models HTTP/9.9\r\nHost: gw\r\n\r\n");
        r.put("garbage request line", "garbage\r\n\r\n");
        r.put("URI too long", "GET /" + "a".repeat(70_000) + " HTTP/1.1\r\nHost: gw\r\n\r\n");
        r.put("header too long", "GET /v1/models HTTP/1.1\r\nHost: gw\r\nX-Big: " + "a".repeat(70_000) + "\r\n\r\n");
        r.put(
                "Content-Length and chunked",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n" + AUTH
                        + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n");
        r.put(
                "bad Content-Length",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Content-Length: abc\r\n\r\n");
        r.put(
                "bad chunk size",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n" + AUTH
                        + "Transfer-Encoding: chunked\r\n\r\nzz\r\n");
        r.put(
                "unknown transfer coding",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Transfer-Encoding: gzip\r\n\r\n");
        r.put("HTTP/1.0 without Host", "GET /v1/models HTTP/1.0\r\n\r\n");
        r.put(
                "unknown Expect",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Expect: 100-continue-x\r\n"
                        + "Content-Length: 2\r\n\r\n{}");
        r.put("space in a header name", "GET /v1/models HTTP/1.1\r\nHost: gw\r\nBad Header: x\r\n\r\n");
        r.put("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        r.put("HTML wanted", "GET /nowhere HTTP/1.1\r\nHost: gw\r\nAccept: text/html\r\n\r\n");
        return r;
    }

    static void checkAll(int port) throws Exception {
        List<String> problems = new ArrayList<>();
        for (var request : requests().entrySet()) {
            OneConnection.Answer a;
            try (var c = new OneConnection(port)) {
                a = c.raw(request.getValue());
            }
            String problem = problem(a);
            if (problem != null) {
                problems.add(request.getKey() + ": " + problem + " (" + a.status() + " " + a.headers() + " "
                        + a.body().substring(0, Math.min(200, a.body().length())) + ")");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    static String problem(OneConnection.Answer a) {
        if (a.header("Set-Cookie") != null) {
            return "sets a cookie";
        }
        if (a.status() == 204) {
            return null;
        }
        String type = a.header("Content-Type");
        if (type == null || !type.startsWith("application/json")) {
            return "content type " + type;
        }
        JsonNode body;
        try {
            body = JSON.readTree(a.body());
        } catch (Exception e) {
            return "not JSON";
        }
        if (body == null) {
            return "empty body";
        }
        if (a.status() >= 400) {
            JsonNode e = body.path("error");
            if (!e.path("message").isTextual()
                    || !e.path("type").isTextual()
                    || !e.path("code").isTextual()
                    || !e.has("param")) {
                return "not an OpenAI error";
            }
            // nginx and the web server speak here, never a model backend: every body is the catalog's.
            var entry = ErrorCode.of(e.path("code").asText());
            if (entry.isEmpty()
                    || !entry.get()
                            .matches(
                                    a.status(),
                                    e.path("type").asText(),
                                    e.path("code").asText(),
                                    e.path("message").asText())) {
                return "not the error catalog's body for its code";
            }
        }
        return null;
    }

    @Test
    void theSidecarNeverAnswersWithHtml() throws Exception {
        checkAll(gw.config.sidecarPort());
    }

    @Test
    void nginxNeverAnswersWithHtml() throws Exception {
        checkAll(gw.url("/").getPort());
    }

    /** A server may ignore Upgrade (RFC 9110, 7.8): the request is served as the plain request it also is. */
    @Test
    void aChatCallAskingForAWebSocketIsServedAsAChatCall() throws Exception {
        String request = requests().get("websocket upgrade on a chat call");
        try (var c = new OneConnection(gw.url("/").getPort())) {
            var a = c.raw(request);
            assertEquals(200, a.status(), a.body());
            assertEquals(
                    "chat.completion", JSON.readTree(a.body()).path("object").asText());
        }
        try (var c = new OneConnection(gw.config.sidecarPort())) {
            var a = c.raw(request);
            assertEquals(200, a.status(), a.body());
            assertEquals(
                    "chat.completion", JSON.readTree(a.body()).path("object").asText());
        }
    }
}
