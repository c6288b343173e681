package dev.llmproxy.upstream;

import java.io.EOFException;
import java.io.IOException;

/** A body of a length known beforehand ({@code Content-Length}, or none at all). */
final class FixedLengthBody extends Body {
    private long left;

    FixedLengthBody(Connection c, long length) {
        super(c);
        this.left = length;
        if (length == 0) {
            end();
        }
    }

    @Override
    int readSome(byte[] b, int off, int len) throws IOException {
        int n = c.in.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
            throw new EOFException("the upstream closed the connection before the end of the body");
        }
        left -= n;
        if (left == 0) {
            end();
        }
        return n;
    }
}
