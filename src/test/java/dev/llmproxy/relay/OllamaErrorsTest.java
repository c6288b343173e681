package dev.llmproxy.relay;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.contract.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OllamaErrorsTest {
    static byte[] error(String message) {
        return ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    static void assertCatalog(ErrorCode code, dev.llmproxy.contract.OpenAiError e) {
        assertTrue(code.matches(e.status(), e.type(), e.code(), e.message()), code + " does not make " + e);
    }

    @Test
    void anUnknownModelIsModelNotFoundNamingWhatTheClientAskedFor() {
        var e = OllamaErrors.map(404, error("model 'x' not found, try pulling it first"), "ollama:x", "ollama");
        assertCatalog(ErrorCode.MODEL_NOT_FOUND, e);
        assertEquals("The model 'ollama:x' is not served by the ollama backend.", e.message());
        assertEquals(Map.of(), OllamaErrors.headers(404));
    }

    @Test
    void aFullQueueIsBusyWithARetryHintNotTheClientsRateLimit() {
        for (int status : new int[] {429, 503}) {
            var e = OllamaErrors.map(
                    status, error("server busy, please try again.  maximum pending requests exceeded"), "m", "ollama");
            assertCatalog(ErrorCode.BACKEND_BUSY, e);
            assertEquals(503, e.status());
            assertEquals(Map.of("Retry-After", "1"), OllamaErrors.headers(status));
        }
    }

    @Test
    void aRefusedRequestKeepsOllamasWordsAndAnythingElseIsTheBackendFailing() {
        var refused = OllamaErrors.map(400, error("invalid options: foo"), "m", "ollama");
        assertEquals(400, refused.status());
        assertEquals("invalid options: foo", refused.message());
        assertTrue(ErrorCode.of(refused.code()).isEmpty(), "Ollama's own error, passed on");

        var failed = OllamaErrors.map(500, error("llama runner process has terminated"), "m", "ollama");
        assertCatalog(ErrorCode.BACKEND_ERROR, failed);
        assertEquals("The ollama backend failed: HTTP 500 (llama runner process has terminated).", failed.message());
        assertCatalog(
                ErrorCode.BACKEND_ERROR,
                OllamaErrors.map(500, "<html>".getBytes(StandardCharsets.UTF_8), "m", "ollama"));
    }
}
