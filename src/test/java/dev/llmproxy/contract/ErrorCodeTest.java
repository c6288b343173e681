package dev.llmproxy.contract;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Map<String, String> sampleValues(ErrorCode code) {
        Map<String, String> v = new HashMap<>();
        code.slots().forEach(s -> v.put(s, "x_" + s));
        return v;
    }

    @Test
    void everyEntryRendersOpenAisShapeAndIsFoundByItsCode() throws Exception {
        Set<String> codes = new HashSet<>();
        for (ErrorCode code : ErrorCode.values()) {
            assertTrue(codes.add(code.codeTemplate()), "two entries share " + code.codeTemplate());
            OpenAiError e = code.render(sampleValues(code));
            JsonNode body = JSON.readTree(e.toJson());
            assertEquals(Set.of("error"), names(body), code.name());
            JsonNode d = body.get("error");
            assertEquals(Set.of("message", "type", "param", "code"), names(d), code.name());
            assertEquals(code.status(), e.status());
            assertEquals(code.type(), d.get("type").asText());
            assertFalse(d.get("message").asText().contains("{"), "unfilled slot in " + code);
            assertEquals(code, ErrorCode.of(d.get("code").asText()).orElseThrow(), "code " + d.get("code"));
            assertTrue(code.matches(e.status(), e.type(), e.code(), e.message()), code.name());
            assertTrue(code.status() >= 400 && code.status() <= 599, code.name());
        }
    }

    @Test
    void anExactCodeWinsOverAFamilyAndUnknownCodesHaveNoEntry() {
        assertEquals(ErrorCode.INVALID_JSON, ErrorCode.of("invalid_json").orElseThrow());
        assertEquals(
                ErrorCode.INVALID_FIELD, ErrorCode.of("invalid_tool_choice").orElseThrow());
        assertTrue(ErrorCode.of("NotFoundError").isEmpty());
        assertTrue(ErrorCode.of(null).isEmpty());
    }

    @Test
    void slotsAreFilledInOrderAndCountedExactly() {
        OpenAiError e = ErrorCode.MODEL_NOT_ALLOWED.error("team-a", "vllm:big");
        assertEquals("The API key 'team-a' may not use model 'vllm:big'.", e.message());
        OpenAiError field = ErrorCode.INVALID_FIELD.error("tool_choice", "tool_choice must be a string or an object.");
        assertEquals("invalid_tool_choice", field.code());
        assertEquals("tool_choice", field.param(), "OpenAI names the parameter");
        assertThrows(IllegalArgumentException.class, () -> ErrorCode.MODEL_NOT_ALLOWED.error("only-one"));
        assertThrows(IllegalArgumentException.class, () -> ErrorCode.UNKNOWN_URL.error("extra"));
    }

    @Test
    void aMessageTheTemplateCannotMakeDoesNotMatch() {
        var e = ErrorCode.UNKNOWN_URL;
        assertTrue(e.matches(404, "invalid_request_error", "unknown_url", "Unknown request URL."));
        assertFalse(e.matches(404, "invalid_request_error", "unknown_url", "Unknown request URL: GET /x."));
        assertFalse(e.matches(400, "invalid_request_error", "unknown_url", "Unknown request URL."));
        assertFalse(
                ErrorCode.BACKEND_TIMEOUT.matches(
                        504, "server_error", "backend_timeout", "The  backend did not answer in time."),
                "a slot is never empty");
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new HashSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * Slots are filled in the order they appear: the callers are written for these orders, so a reworded template
     * that moves a slot must fail here first (and its callers be checked).
     */
    @Test
    void theSlotsOfEveryTemplateInTheOrderCallersFillThem() {
        Map<ErrorCode, java.util.List<String>> expected = new java.util.EnumMap<>(ErrorCode.class);
        for (ErrorCode c : ErrorCode.values()) {
            expected.put(c, java.util.List.of());
        }
        expected.put(ErrorCode.INVALID_FIELD, java.util.List.of("param", "message"));
        expected.put(ErrorCode.INVALID_API_KEY, java.util.List.of("reason"));
        expected.put(ErrorCode.MODEL_NOT_ALLOWED, java.util.List.of("label", "model"));
        expected.put(ErrorCode.MODEL_NOT_FOUND, java.util.List.of("model", "backend"));
        expected.put(ErrorCode.UNSUPPORTED_ENDPOINT, java.util.List.of("backend", "endpoint"));
        expected.put(ErrorCode.REQUEST_TOO_LARGE, java.util.List.of("max_body_bytes"));
        expected.put(ErrorCode.RATE_LIMIT_EXCEEDED, java.util.List.of("label", "window", "limit", "retry_after"));
        expected.put(ErrorCode.BACKEND_UNAVAILABLE, java.util.List.of("backend"));
        expected.put(ErrorCode.BACKEND_ERROR, java.util.List.of("backend", "detail"));
        expected.put(ErrorCode.BACKEND_BUSY, java.util.List.of("backend"));
        expected.put(ErrorCode.BACKEND_TIMEOUT, java.util.List.of("backend"));
        for (ErrorCode c : ErrorCode.values()) {
            assertEquals(expected.get(c), c.slots(), c.name());
        }
    }
}
