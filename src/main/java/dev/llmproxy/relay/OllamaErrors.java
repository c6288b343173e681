package dev.llmproxy.relay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.contract.GatewayHeaders;
import dev.llmproxy.contract.OpenAiError;
import dev.llmproxy.support.Json;
import java.util.Map;

/** Ollama's native errors ({@code {"error":"..."}} with a status) as the OpenAI errors clients expect. */
final class OllamaErrors {
    private OllamaErrors() {}

    static OpenAiError map(int status, byte[] body, String model, String backend) {
        String message = message(body);
        return switch (status) {
            case 404 -> ErrorCode.MODEL_NOT_FOUND.error(model, "the " + backend + " backend");
            case 400 ->
                OpenAiError.relayed(
                        400, "invalid_request_error", null, message == null ? "Ollama refused the request." : message);
            // Ollama's queue is full: a retry soon will do, and it is not the client's rate limit.
            case 429, 503 -> ErrorCode.BACKEND_BUSY.error(backend);
            default ->
                ErrorCode.BACKEND_ERROR.error(
                        backend, "HTTP " + status + (message == null ? "." : " (" + message + ")."));
        };
    }

    static Map<String, String> headers(int status) {
        return status == 429 || status == 503 ? Map.of(GatewayHeaders.RETRY_AFTER, "1") : Map.of();
    }

    private static String message(byte[] body) {
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            return n != null && n.path("error").isTextual() ? n.get("error").textValue() : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
