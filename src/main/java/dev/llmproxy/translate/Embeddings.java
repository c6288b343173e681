package dev.llmproxy.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.ollama.OllamaWire;
import dev.llmproxy.openai.OpenAiWire;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** {@code POST /v1/embeddings} ⇄ Ollama's {@code /api/embed}, including OpenAI's base64 encoding. */
public final class Embeddings {
    public record Call(OllamaWire.EmbedRequest request, boolean base64) {}

    private Embeddings() {}

    public static Call translate(JsonNode body, String model) {
        FieldTypes.check(body, FieldTypes.EMBEDDINGS);
        JsonNode input = body.get("input");
        List<String> inputs = new ArrayList<>();
        if (input != null && input.isTextual()) {
            inputs.add(input.textValue());
        } else if (input != null && input.isArray() && !input.isEmpty()) {
            for (JsonNode i : input) {
                if (!i.isTextual()) {
                    throw new InvalidRequest(
                            "input", "input must be a string or an array of strings; token ids are not supported.");
                }
                inputs.add(i.textValue());
            }
        } else {
            throw new InvalidRequest("input", "input must be a string or a non-empty array of strings.");
        }
        String format = Fields.string(body, "encoding_format");
        if (format != null && !format.equals("float") && !format.equals("base64")) {
            throw new InvalidRequest("encoding_format", "encoding_format must be float or base64.");
        }
        Long dimensions = Fields.integer(body, "dimensions");
        if (dimensions != null && (dimensions < 1 || dimensions > 65_536)) {
            throw new InvalidRequest("dimensions", "dimensions must be a positive integer.");
        }
        return new Call(
                new OllamaWire.EmbedRequest(model, inputs, dimensions == null ? null : dimensions.intValue()),
                "base64".equals(format));
    }

    public static OpenAiWire.EmbeddingList response(OllamaWire.EmbedResponse answer, String model, boolean base64) {
        List<OpenAiWire.Embedding> data = new ArrayList<>();
        List<List<Float>> vectors = answer.embeddings() == null ? List.of() : answer.embeddings();
        for (int i = 0; i < vectors.size(); i++) {
            data.add(new OpenAiWire.Embedding("embedding", base64 ? base64(vectors.get(i)) : vectors.get(i), i));
        }
        long tokens = answer.promptEvalCount() == null ? 0 : answer.promptEvalCount();
        return new OpenAiWire.EmbeddingList("list", data, model, new OpenAiWire.EmbeddingUsage(tokens, tokens));
    }

    /** OpenAI's base64 embedding: the float32 values, little-endian, back to back. */
    static String base64(List<Float> vector) {
        ByteBuffer buf = ByteBuffer.allocate(vector.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        vector.forEach(buf::putFloat);
        return Base64.getEncoder().encodeToString(buf.array());
    }
}
