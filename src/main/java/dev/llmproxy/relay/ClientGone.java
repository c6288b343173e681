package dev.llmproxy.relay;

/** The client went away: stop, answer nothing. */
public final class ClientGone extends RuntimeException {
    public ClientGone() {
        super(null, null, false, false);
    }
}
