package dev.llmproxy.testing;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.contract.ErrorCode;
import java.net.http.HttpResponse;

/** Checks an error answer: OpenAI's shape, the expected status and code, and the catalog's words for that code. */
public final class ErrorBodies {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorBodies() {}

    /**
     * The answer is an OpenAI error with this status and code; a code of the gateway's catalog must also have the
     * catalog's type and a message its template makes (a backend's own error passed on has no catalog entry).
     */
    public static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(
                r.headers().firstValue("content-type").orElse("").startsWith("application/json"),
                r.headers().toString());
        JsonNode e = JSON.readTree(r.body()).path("error");
        assertTrue(e.path("message").isTextual() && !e.path("message").asText().isBlank(), r.body());
        assertTrue(e.path("type").isTextual(), r.body());
        assertTrue(e.has("param"), r.body());
        assertEquals(code, e.path("code").asText(), r.body());
        ErrorCode.of(code).ifPresent(entry -> assertCatalog(entry, r.statusCode(), r.body()));
    }

    /** The body is exactly what the catalog entry can produce, with this status. */
    public static void assertCatalog(ErrorCode entry, int status, String body) {
        JsonNode e;
        try {
            e = JSON.readTree(body).path("error");
        } catch (Exception notJson) {
            throw new AssertionError("not JSON: " + body, notJson);
        }
        assertEquals(entry.status(), status, entry + ": " + body);
        assertEquals(entry.type(), e.path("type").asText(), entry + ": " + body);
        assertTrue(
                entry.matches(
                        status,
                        e.path("type").asText(),
                        e.path("code").asText(),
                        e.path("message").asText()),
                entry + " (\"" + entry.messageTemplate() + "\") does not make: " + body);
    }
}
