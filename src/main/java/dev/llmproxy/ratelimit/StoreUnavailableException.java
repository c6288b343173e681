package dev.llmproxy.ratelimit;

/** The limit store cannot decide and the failure mode is closed: the request is refused. */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(Throwable cause) {
        super("rate-limit store unavailable", cause);
    }
}
