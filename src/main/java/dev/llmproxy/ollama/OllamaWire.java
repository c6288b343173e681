package dev.llmproxy.ollama;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Ollama's native API (api/types.go), as records. Requests leave out what is unset, so Ollama applies
 * its own defaults; responses ignore fields this gateway does not use.
 */
public final class OllamaWire {
    private OllamaWire() {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ChatRequest(
            String model,
            List<Message> messages,
            JsonNode tools,
            JsonNode format,
            Map<String, Object> options,
            Boolean stream,
            Object think) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Message(
            String role,
            String content,
            String thinking,
            List<String> images,
            @JsonProperty("tool_calls") List<ToolCall> toolCalls,
            @JsonProperty("tool_name") String toolName,
            @JsonProperty("tool_call_id") String toolCallId) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ToolCall(String id, Function function) {}

    /** {@code arguments} is a JSON object on the native side (a JSON string on OpenAI's). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Function(Integer index, String name, JsonNode arguments) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record GenerateRequest(
            String model,
            String prompt,
            String suffix,
            JsonNode format,
            Map<String, Object> options,
            Boolean stream,
            Object think) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EmbedRequest(String model, List<String> input, Integer dimensions) {}

    /**
     * One NDJSON line of /api/chat or /api/generate, or a whole non-streamed answer, or an error. The
     * final line has {@code done: true}, the reason and the counts.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Chunk(
            String model,
            @JsonProperty("created_at") String createdAt,
            Message message,
            String response,
            String thinking,
            boolean done,
            @JsonProperty("done_reason") String doneReason,
            @JsonProperty("prompt_eval_count") Long promptEvalCount,
            @JsonProperty("eval_count") Long evalCount,
            String error) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EmbedResponse(
            String model,
            List<List<Float>> embeddings,
            @JsonProperty("prompt_eval_count") Long promptEvalCount) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Tags(List<TagModel> models) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TagModel(
            String name,
            String model,
            @JsonProperty("modified_at") String modifiedAt) {}
}
