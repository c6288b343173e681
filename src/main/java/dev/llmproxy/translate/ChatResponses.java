package dev.llmproxy.translate;

import dev.llmproxy.ollama.OllamaWire;
import dev.llmproxy.openai.OpenAiWire;
import dev.llmproxy.support.Json;
import java.util.ArrayList;
import java.util.List;

/** Ollama's chat answers → OpenAI's {@code chat.completion}, and the pieces streaming shares with it. */
public final class ChatResponses {
    public static final String FINGERPRINT = "fp_ollama";

    private ChatResponses() {}

    public static OpenAiWire.ChatCompletion completion(OllamaWire.Chunk answer, String id, long created, String model) {
        OllamaWire.Message m = answer.message();
        List<OpenAiWire.ToolCall> calls = m == null ? List.of() : toolCalls(m.toolCalls(), false, 0);
        String content = m == null || m.content() == null ? "" : m.content();
        String reasoning = m == null || m.thinking() == null || m.thinking().isEmpty() ? null : m.thinking();
        var message = new OpenAiWire.AssistantMessage("assistant", content, reasoning, calls.isEmpty() ? null : calls);
        var choice = new OpenAiWire.ChatChoice(0, message, null, finishReason(answer.doneReason(), !calls.isEmpty()));
        return new OpenAiWire.ChatCompletion(
                id,
                "chat.completion",
                created,
                model,
                FINGERPRINT,
                List.of(choice),
                OpenAiWire.Usage.of(answer.promptEvalCount(), answer.evalCount()));
    }

    /** {@code length} stays; anything else is {@code stop}, or {@code tool_calls} when the model called a tool. */
    static String finishReason(String doneReason, boolean calledTools) {
        if ("length".equals(doneReason)) {
            return "length";
        }
        return calledTools ? "tool_calls" : "stop";
    }

    /** Native tool calls (arguments as an object) → OpenAI's (arguments as a JSON string); {@code indexed} for stream deltas. */
    static List<OpenAiWire.ToolCall> toolCalls(List<OllamaWire.ToolCall> calls, boolean indexed, int firstIndex) {
        if (calls == null || calls.isEmpty()) {
            return List.of();
        }
        List<OpenAiWire.ToolCall> out = new ArrayList<>(calls.size());
        int i = firstIndex;
        for (OllamaWire.ToolCall c : calls) {
            String id = c.id() == null || c.id().isEmpty() ? Ids.toolCall() : c.id();
            String args = c.function().arguments() == null
                    ? "{}"
                    : Json.text(c.function().arguments());
            out.add(new OpenAiWire.ToolCall(
                    indexed ? i : null,
                    id,
                    "function",
                    new OpenAiWire.FunctionCall(c.function().name(), args)));
            i++;
        }
        return out;
    }
}
