package dev.llmproxy.translate;

import dev.llmproxy.ollama.OllamaWire;
import dev.llmproxy.openai.OpenAiWire;
import java.util.ArrayList;
import java.util.List;

/** Ollama's generate answers → OpenAI's {@code text_completion}, whole or streamed. */
public final class CompletionResponses {
    private CompletionResponses() {}

    /** One choice per native answer, in prompt order; usage summed over them. */
    public static OpenAiWire.Completion completion(
            List<OllamaWire.Chunk> answers, String id, long created, String model) {
        List<OpenAiWire.TextChoice> choices = new ArrayList<>(answers.size());
        long prompt = 0;
        long completion = 0;
        for (int i = 0; i < answers.size(); i++) {
            OllamaWire.Chunk a = answers.get(i);
            choices.add(new OpenAiWire.TextChoice(
                    a.response() == null ? "" : a.response(),
                    i,
                    null,
                    ChatResponses.finishReason(a.doneReason(), false)));
            prompt += a.promptEvalCount() == null ? 0 : a.promptEvalCount();
            completion += a.evalCount() == null ? 0 : a.evalCount();
        }
        return new OpenAiWire.Completion(
                id,
                "text_completion",
                created,
                model,
                ChatResponses.FINGERPRINT,
                choices,
                OpenAiWire.Usage.of(prompt, completion));
    }

    /** Streams one prompt's lines as {@code choices[index]}; the finish reason rides on its last chunk. */
    public static final class Stream {
        private final String id;
        private final long created;
        private final String model;
        private final int index;
        private boolean finished;

        public Stream(String id, long created, String model, int index) {
            this.id = id;
            this.created = created;
            this.model = model;
            this.index = index;
        }

        /** The chunk for one native line, or null when the line carries nothing. */
        public OpenAiWire.Completion next(OllamaWire.Chunk line) {
            if (line.error() != null) {
                throw new UpstreamFailure(line.error());
            }
            String text = line.response() == null ? "" : line.response();
            if (line.done()) {
                finished = true;
            } else if (text.isEmpty()) {
                return null;
            }
            String finish = line.done() ? ChatResponses.finishReason(line.doneReason(), false) : null;
            return new OpenAiWire.Completion(
                    id,
                    "text_completion",
                    created,
                    model,
                    ChatResponses.FINGERPRINT,
                    List.of(new OpenAiWire.TextChoice(text, index, null, finish)),
                    null);
        }

        public boolean finished() {
            return finished;
        }
    }

    /** The closing {@code choices: []} chunk with the usage of every prompt. */
    public static OpenAiWire.Completion usageChunk(String id, long created, String model, OpenAiWire.Usage usage) {
        return new OpenAiWire.Completion(
                id, "text_completion", created, model, ChatResponses.FINGERPRINT, List.of(), usage);
    }
}
