package dev.llmproxy.translate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a byte stream into lines. Bytes are decoded only once a whole line is in, so a line split across
 * reads, or a multi-byte UTF-8 character cut at a read boundary, comes out whole.
 */
public final class NdjsonReader {
    /** Longer lines mean a broken or hostile upstream, not a model's output. */
    static final int MAX_LINE = 16 * 1024 * 1024;

    private final InputStream in;
    private final byte[] readBuf = new byte[8192];
    private byte[] line = new byte[8192];
    private int lineLen;
    private int pos;
    private int limit;

    public NdjsonReader(InputStream in) {
        this.in = in;
    }

    /** The next non-blank line, or null at the end of the stream. A last line without '\n' still counts. */
    public String next() throws IOException {
        while (true) {
            while (pos < limit) {
                byte b = readBuf[pos++];
                if (b == '\n') {
                    String s = take();
                    if (!s.isBlank()) {
                        return s;
                    }
                } else {
                    append(b);
                }
            }
            limit = in.read(readBuf);
            pos = 0;
            if (limit < 0) {
                limit = 0;
                String s = take();
                return s.isBlank() ? null : s;
            }
        }
    }

    private void append(byte b) throws IOException {
        if (lineLen == line.length) {
            if (line.length >= MAX_LINE) {
                throw new IOException("NDJSON line longer than " + MAX_LINE + " bytes");
            }
            line = Arrays.copyOf(line, line.length * 2);
        }
        line[lineLen++] = b;
    }

    private String take() {
        String s = new String(line, 0, lineLen, StandardCharsets.UTF_8);
        lineLen = 0;
        return s;
    }
}
