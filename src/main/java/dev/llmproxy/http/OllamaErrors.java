package dev.llmproxy.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.openai.Json;
import dev.llmproxy.openai.OpenAiError;
import java.util.Map;

/** Ollama's native errors ({@code {"error":"..."}} with a status) as the OpenAI errors clients expect. */
final class OllamaErrors {
    private OllamaErrors() {}

    static OpenAiError map(int status, byte[] body, String model) {
        String message = message(body);
        return switch (status) {
            case 404 -> new OpenAiError(404, "invalid_request_error", "model_not_found",
                    "The model '" + model + "' does not exist on the Ollama server" + (message == null ? "." : " (" + message + ")."));
            case 400 -> new OpenAiError(400, "invalid_request_error", null, message == null ? "Ollama refused the request." : message);
            // Ollama's queue is full: a retry soon will do, and it is not the client's rate limit.
            case 429, 503 -> new OpenAiError(503, "server_error", "backend_busy",
                    "The Ollama backend is busy" + (message == null ? "." : ": " + message + ".") + " Please retry.");
            default -> new OpenAiError(502, "server_error", "backend_error",
                    "The Ollama backend failed (HTTP " + status + ")" + (message == null ? "." : ": " + message));
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
