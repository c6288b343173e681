package dev.llmproxy.upstream;

import java.io.IOException;
import java.io.InputStream;

/** An answer's body: reading to its end gives the connection back; closing it early closes the connection. */
abstract sealed class Body extends InputStream permits FixedLengthBody, ChunkedBody, CloseDelimitedBody {
    final Connection c;
    boolean ended;
    boolean closed;

    Body(Connection c) {
        this.c = c;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public final int read(byte[] b, int off, int len) throws IOException {
        if (ended || closed) {
            return -1;
        }
        return len == 0 ? 0 : readSome(b, off, len);
    }

    /** Reads at least one byte of the body, or returns -1 at its end. */
    abstract int readSome(byte[] b, int off, int len) throws IOException;

    void end() {
        if (!ended) {
            ended = true;
            c.done();
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (!ended) {
                ended = true;
                c.close();
            }
        }
    }
}
