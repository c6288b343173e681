package dev.llmproxy.http;

/** The client went away: stop, answer nothing. */
final class ClientGone extends RuntimeException {
    ClientGone() {
        super(null, null, false, false);
    }
}
