package dev.llmproxy.translate;

/** Ollama reported an error inside a stream that had already started. */
public final class UpstreamFailure extends RuntimeException {
    public UpstreamFailure(String message) {
        super(message, null, false, false);
    }
}
