package dev.llmproxy.upstream;

import java.io.IOException;

/** A body with neither length nor chunks: it ends when the upstream closes the connection, which is then not kept. */
final class CloseDelimitedBody extends Body {
    CloseDelimitedBody(Connection c) {
        super(c);
    }

    @Override
    int readSome(byte[] b, int off, int len) throws IOException {
        int n = c.in.read(b, off, len);
        if (n < 0) {
            end();
        }
        return n;
    }
}
