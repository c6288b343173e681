package dev.llmproxy.relay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A client for a relay, with no server: records the answer, and leaves when told to (or after some bytes). */
final class FakeClientChannel implements ClientChannel {
    final Map<String, String> requestHeaders = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    final List<String> flushes = new CopyOnWriteArrayList<>();
    int status;
    String contentType;
    boolean streamed;
    private final List<Runnable> onGone = new CopyOnWriteArrayList<>();
    private volatile boolean gone;

    @Override
    public void header(String name, String value) {
        headers.put(name, value);
    }

    @Override
    public void answer(int status, String contentType, byte[] body) {
        this.status = status;
        this.contentType = contentType;
        this.body.writeBytes(body);
    }

    @Override
    public OutputStream start(int status, String contentType, Map<String, String> headers) {
        if (gone) {
            throw new ClientGone();
        }
        this.status = status;
        this.contentType = contentType;
        this.headers.putAll(headers);
        this.streamed = true;
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (gone) {
                    throw new IOException("client gone");
                }
                body.write(b, off, len);
            }

            @Override
            public void flush() {
                flushes.add(text());
            }
        };
    }

    @Override
    public String requestHeader(String name) {
        return requestHeaders.get(name);
    }

    @Override
    public boolean gone() {
        return gone;
    }

    @Override
    public void onGone(Runnable action) {
        onGone.add(action);
        if (gone) {
            action.run();
        }
    }

    /** The client hangs up. */
    void leave() {
        gone = true;
        onGone.forEach(Runnable::run);
    }

    String text() {
        return body.toString(StandardCharsets.UTF_8);
    }
}
