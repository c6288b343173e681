package dev.llmproxy.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** OpenAI's response objects, as records. Fields OpenAI sends as {@code null} are kept as {@code null}. */
public final class OpenAiWire {
    private OpenAiWire() {}

    public record Usage(
            @JsonProperty("prompt_tokens") long promptTokens,
            @JsonProperty("completion_tokens") long completionTokens,
            @JsonProperty("total_tokens") long totalTokens) {
        public static Usage of(Long prompt, Long completion) {
            long p = prompt == null ? 0 : prompt;
            long c = completion == null ? 0 : completion;
            return new Usage(p, c, p + c);
        }
    }

    public record FunctionCall(String name, String arguments) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ToolCall(Integer index, String id, String type, FunctionCall function) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AssistantMessage(
            String role,
            @JsonInclude(JsonInclude.Include.ALWAYS) String content,
            String reasoning,
            @JsonProperty("tool_calls") List<ToolCall> toolCalls) {}

    public record ChatChoice(
            int index,
            AssistantMessage message,
            Object logprobs,
            @JsonProperty("finish_reason") String finishReason) {}

    public record ChatCompletion(
            String id,
            String object,
            long created,
            String model,
            @JsonProperty("system_fingerprint") String systemFingerprint,
            List<ChatChoice> choices,
            Usage usage) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(
            String role,
            String content,
            String reasoning,
            @JsonProperty("tool_calls") List<ToolCall> toolCalls) {}

    public record ChunkChoice(
            int index,
            Delta delta,
            Object logprobs,
            @JsonProperty("finish_reason") String finishReason) {}

    /** A streamed chunk. {@code usage} is present only on the usage chunk, as with Ollama. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ChatCompletionChunk(
            String id,
            String object,
            long created,
            String model,
            @JsonProperty("system_fingerprint") String systemFingerprint,
            @JsonInclude(JsonInclude.Include.ALWAYS) List<ChunkChoice> choices,
            Usage usage) {}

    public record TextChoice(
            String text,
            int index,
            Object logprobs,
            @JsonProperty("finish_reason") String finishReason) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Completion(
            String id,
            String object,
            long created,
            String model,
            @JsonProperty("system_fingerprint") String systemFingerprint,
            @JsonInclude(JsonInclude.Include.ALWAYS) List<TextChoice> choices,
            Usage usage) {}

    /** {@code embedding} is a float list, or a base64 string of little-endian float32s. */
    public record Embedding(String object, Object embedding, int index) {}

    public record EmbeddingUsage(
            @JsonProperty("prompt_tokens") long promptTokens,
            @JsonProperty("total_tokens") long totalTokens) {}

    public record EmbeddingList(String object, List<Embedding> data, String model, EmbeddingUsage usage) {}

    public record Model(
            String id,
            String object,
            long created,
            @JsonProperty("owned_by") String ownedBy) {}

    public record ModelList(String object, List<Model> data) {}
}
