package dev.llmproxy.relay;

import java.io.OutputStream;
import java.util.Map;

/**
 * The client's end of a relayed call, as much of it as a relay needs: an answer to give, whole or streamed,
 * and whether the client is still there. The web server adapts its request to this; tests use a fake.
 */
public interface ClientChannel {
    /** A header of the answer, set before it starts (the usage of a non-streamed answer, for the access log). */
    void header(String name, String value);

    /** A whole answer, sent when the relay returns. */
    void answer(int status, String contentType, byte[] body);

    /**
     * Starts a streamed answer: its status and headers are sent now. Writes to the returned stream reach the
     * client as they are flushed; a failed write means the client is gone.
     *
     * @throws ClientGone when the client has already left
     */
    OutputStream start(int status, String contentType, Map<String, String> headers);

    /** The value of a request header, or null. */
    String requestHeader(String name);

    /** True once the client has hung up. */
    boolean gone();

    /**
     * Runs {@code action} when the client hangs up (at once if it already has). Every action stays: a call may
     * have several upstream requests in flight. Actions must be idempotent (cancel, close).
     */
    void onGone(Runnable action);
}
