package dev.llmproxy.translate;

import dev.llmproxy.ollama.OllamaWire;
import dev.llmproxy.openai.OpenAiWire;
import java.util.ArrayList;
import java.util.List;

/**
 * Ollama's chat NDJSON lines → OpenAI {@code chat.completion.chunk}s, one line at a time, the way OpenAI
 * streams: the first delta carries the role, tool calls come whole with their index, the last line
 * becomes a finish chunk ({@code delta: {}}), then the usage chunk when asked for.
 */
public final class ChatStream {
    private final String id;
    private final long created;
    private final String model;
    private final boolean includeUsage;
    private boolean started;
    private boolean finished;
    private int toolCalls;

    public ChatStream(String id, long created, String model, boolean includeUsage) {
        this.id = id;
        this.created = created;
        this.model = model;
        this.includeUsage = includeUsage;
    }

    /** The chunks for one native line. Throws {@link UpstreamFailure} for an error line. */
    public List<OpenAiWire.ChatCompletionChunk> next(OllamaWire.Chunk line) {
        if (line.error() != null) {
            throw new UpstreamFailure(line.error());
        }
        List<OpenAiWire.ChatCompletionChunk> out = new ArrayList<>(3);
        OllamaWire.Message m = line.message();
        String thinking = m == null ? null : m.thinking();
        String content = m == null ? null : m.content();
        List<OpenAiWire.ToolCall> calls = ChatResponses.toolCalls(m == null ? null : m.toolCalls(), true, toolCalls);
        toolCalls += calls.size();

        if (thinking != null && !thinking.isEmpty()) {
            out.add(delta(new OpenAiWire.Delta(role(), null, thinking, null)));
        }
        boolean hasContent = content != null && !content.isEmpty();
        if (hasContent || !calls.isEmpty() || !started && !line.done()) {
            out.add(delta(new OpenAiWire.Delta(
                    role(),
                    hasContent || calls.isEmpty() ? nullToEmpty(content) : null,
                    null,
                    calls.isEmpty() ? null : calls)));
        }
        if (line.done()) {
            if (!started) {
                out.add(delta(new OpenAiWire.Delta(role(), "", null, null)));
            }
            out.add(chunk(
                    List.of(new OpenAiWire.ChunkChoice(
                            0,
                            new OpenAiWire.Delta(null, null, null, null),
                            null,
                            ChatResponses.finishReason(line.doneReason(), toolCalls > 0))),
                    null));
            if (includeUsage) {
                out.add(chunk(List.of(), OpenAiWire.Usage.of(line.promptEvalCount(), line.evalCount())));
            }
            finished = true;
        }
        return out;
    }

    /** True once the final line was seen: only then may the stream end with {@code [DONE]}. */
    public boolean finished() {
        return finished;
    }

    private String role() {
        if (started) {
            return null;
        }
        started = true;
        return "assistant";
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private OpenAiWire.ChatCompletionChunk delta(OpenAiWire.Delta d) {
        return chunk(List.of(new OpenAiWire.ChunkChoice(0, d, null, null)), null);
    }

    private OpenAiWire.ChatCompletionChunk chunk(List<OpenAiWire.ChunkChoice> choices, OpenAiWire.Usage usage) {
        return new OpenAiWire.ChatCompletionChunk(
                id, "chat.completion.chunk", created, model, ChatResponses.FINGERPRINT, choices, usage);
    }
}
