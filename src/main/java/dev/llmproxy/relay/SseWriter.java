package dev.llmproxy.relay;

import dev.llmproxy.contract.OpenAiError;
import dev.llmproxy.support.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes server-sent events as OpenAI streams them: bare {@code data:} frames, each flushed at once, a final
 * {@code data: [DONE]} for a stream that ended normally, and an error event (and no {@code [DONE]}) for one
 * that did not. A failed write means the client left: {@link ClientGone}.
 */
final class SseWriter {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    /** Sent with every stream: no cache, and no buffering by a proxy in between. */
    static final Map<String, String> HEADERS = Map.of("Cache-Control", "no-cache", "X-Accel-Buffering", "no");

    private final OutputStream out;

    SseWriter(OutputStream out) {
        this.out = out;
    }

    /**
     * Starts a stream of events: its head goes now, as OpenAI sends it, so the client knows its stream started
     * before the first token.
     *
     * @throws ClientGone when the client has already left
     */
    static SseWriter start(ClientChannel client) {
        return new SseWriter(client.start(200, "text/event-stream; charset=utf-8", HEADERS));
    }

    /** One event carrying {@code chunk} as JSON. */
    void event(Object chunk) {
        frame(Json.bytes(chunk));
    }

    /** The event that ends a failed stream: the error, in the shape of a non-streamed error body. */
    void error(OpenAiError error) {
        frame(error.toJson());
    }

    void done() {
        write(DONE);
    }

    private void frame(byte[] json) {
        byte[] frame = new byte[DATA.length + json.length + END.length];
        System.arraycopy(DATA, 0, frame, 0, DATA.length);
        System.arraycopy(json, 0, frame, DATA.length, json.length);
        System.arraycopy(END, 0, frame, DATA.length + json.length, END.length);
        write(frame);
    }

    private void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new ClientGone();
        }
    }
}
