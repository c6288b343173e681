package dev.llmproxy.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.ollama.OllamaWire;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/completions} → Ollama's {@code /api/generate}. A list of prompts is answered with one
 * choice per prompt (Ollama's own layer refuses it); token-id prompts, {@code echo} and {@code best_of}
 * are refused, since Ollama cannot honour them.
 */
public final class CompletionRequests {
    /** One native request per prompt, in prompt order. */
    public record Call(List<OllamaWire.GenerateRequest> requests, boolean stream, boolean includeUsage) {}

    private CompletionRequests() {}

    public static Call translate(JsonNode body, String model) {
        FieldTypes.check(body, FieldTypes.COMPLETIONS);
        Fields.onlyOne(body, "n");
        Fields.onlyOne(body, "best_of");
        if (Fields.bool(body, "echo", false)) {
            throw new InvalidRequest("echo", "echo is not supported by this model server.");
        }
        boolean stream = Fields.bool(body, "stream", false);
        boolean includeUsage = Fields.includeUsage(body);
        String suffix = Fields.string(body, "suffix");
        var options = Fields.options(body);
        var format = Fields.format(body);
        var think = Fields.think(body);
        List<OllamaWire.GenerateRequest> requests = new ArrayList<>();
        for (String prompt : prompts(body.get("prompt"))) {
            requests.add(new OllamaWire.GenerateRequest(model, prompt, suffix, format, options, stream, think));
        }
        return new Call(requests, stream, includeUsage);
    }

    private static List<String> prompts(JsonNode prompt) {
        if (prompt == null || prompt.isNull()) {
            throw new InvalidRequest("prompt", "prompt is required.");
        }
        if (prompt.isTextual()) {
            return List.of(prompt.textValue());
        }
        if (prompt.isArray() && !prompt.isEmpty()) {
            List<String> out = new ArrayList<>();
            for (JsonNode p : prompt) {
                if (!p.isTextual()) {
                    throw new InvalidRequest(
                            "prompt", "prompt must be a string or an array of strings; token ids are not supported.");
                }
                out.add(p.textValue());
            }
            return out;
        }
        throw new InvalidRequest("prompt", "prompt must be a string or a non-empty array of strings.");
    }
}
