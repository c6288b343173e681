package dev.llmproxy.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** An answer's head as read from the wire (header names lower-case), and what it says of the body's framing. */
record ResponseHead(String statusLine, int status, Map<String, String> headers) {

    /** The final head, past any 1xx interim answers; null when the connection ended before any byte of it. */
    static ResponseHead read(Connection c) throws IOException {
        while (true) {
            String status = c.line();
            if (status == null) {
                return null;
            }
            if (!status.startsWith("HTTP/1.") || status.length() < 12) {
                throw new IOException("not an HTTP/1.x answer");
            }
            int code = parseStatus(status);
            Map<String, String> headers = headers(c);
            if (code >= 200) {
                return new ResponseHead(status, code, headers);
            }
            // 1xx: an interim answer; the real head follows
        }
    }

    /**
     * The body, framed as this head says (RFC 9112, section 6.3); decides first whether {@code c} may be
     * kept after it, since an empty body gives the connection back at once.
     */
    InputStream body(Connection c, String method) throws IOException {
        c.keepAlive = statusLine.startsWith("HTTP/1.1")
                && !headers.getOrDefault("connection", "")
                        .toLowerCase(Locale.ROOT)
                        .contains("close");
        if (method.equals("HEAD") || status == 204 || status == 304) {
            return new FixedLengthBody(c, 0);
        }
        if (headers.getOrDefault("transfer-encoding", "")
                .toLowerCase(Locale.ROOT)
                .contains("chunked")) {
            return new ChunkedBody(c);
        }
        if (headers.containsKey("content-length")) {
            long length;
            try {
                length = Long.parseLong(headers.get("content-length").trim());
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length");
            }
            if (length < 0) {
                throw new IOException("bad Content-Length");
            }
            return new FixedLengthBody(c, length);
        }
        c.keepAlive = false; // ends when the upstream closes
        return new CloseDelimitedBody(c);
    }

    private static int parseStatus(String line) throws IOException {
        try {
            return Integer.parseInt(line.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("bad status line");
        }
    }

    private static Map<String, String> headers(Connection c) throws IOException {
        Map<String, String> headers = new TreeMap<>();
        int total = 0;
        for (String h; !(h = c.line()).isEmpty(); ) {
            total += h.length();
            if (total > Connection.MAX_HEAD_BYTES) {
                throw new IOException("the answer's head is too large");
            }
            int colon = h.indexOf(':');
            if (colon > 0) {
                headers.merge(
                        h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        h.substring(colon + 1).trim(),
                        (a, b) -> a + ", " + b);
            }
        }
        return headers;
    }
}
