package dev.llmproxy.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A body in HTTP/1.1 chunked transfer coding (RFC 9112, section 7.1). */
final class ChunkedBody extends Body {
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private long left;

    ChunkedBody(Connection c) {
        super(c);
    }

    @Override
    int readSome(byte[] b, int off, int len) throws IOException {
        if (left == 0) {
            String size = c.line();
            if (size == null) {
                throw new EOFException("the upstream closed the connection inside the chunked body");
            }
            int semicolon = size.indexOf(';');
            try {
                left = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size");
            }
            if (left < 0) {
                throw new IOException("bad chunk size");
            }
            if (left == 0) {
                while (!c.line().isEmpty()) {
                    // trailer fields: none we use
                }
                end();
                return -1;
            }
        }
        int n = c.in.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
            throw new EOFException("the upstream closed the connection inside a chunk");
        }
        left -= n;
        if (left == 0 && !c.line().isEmpty()) {
            throw new IOException("chunk not followed by CRLF");
        }
        return n;
    }

    /**
     * A stream's reader stops at the line that says it is done; the last chunk ({@code 0 CRLF CRLF})
     * follows it at once. When it is already here, take it, so the connection can be kept.
     */
    @Override
    public void close() {
        if (!ended && !closed && left == 0) {
            try {
                if (c.in.available() >= LAST_CHUNK.length) { // here already: reading it cannot block
                    c.in.mark(LAST_CHUNK.length);
                    if (Arrays.equals(c.in.readNBytes(LAST_CHUNK.length), LAST_CHUNK)) {
                        end(); // given back for reuse
                    } else {
                        c.in.reset();
                    }
                }
            } catch (IOException e) {
                // closed below
            }
        }
        super.close();
    }
}
