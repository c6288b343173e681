package dev.llmproxy.upstream;

import dev.llmproxy.backends.UpstreamUrl;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** A request as it goes on the wire: its head (request line, Host, the caller's checked headers), then its body. */
final class Request {
    private static final int WRITE_SLICE = 64 * 1024;

    private final String method;
    private final String path;
    private final byte[] body;
    private final StringBuilder extraHeaders = new StringBuilder();

    /** @param body null for none */
    Request(String method, String path, byte[] body) {
        this.method = method;
        this.path = path;
        this.body = body;
    }

    String method() {
        return method;
    }

    /** Adds a header; a value with a line break is refused (it would forge a header of its own). */
    void header(String name, String value) {
        if (name.chars().anyMatch(ch -> ch <= ' ' || ch == ':' || ch > '~')
                || value.indexOf('\r') >= 0
                || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("not a valid header: " + name);
        }
        extraHeaders.append(name).append(": ").append(value).append("\r\n");
    }

    /** The head, for {@code path} under {@code base}'s path prefix; a path that would break the request line is refused. */
    byte[] head(UpstreamUrl base) {
        if (path.chars().anyMatch(ch -> ch <= ' ' || ch > '~')) {
            throw new IllegalArgumentException("not a valid path: " + path);
        }
        StringBuilder h = new StringBuilder(256)
                .append(method)
                .append(' ')
                .append(base.pathPrefix())
                .append(path)
                .append(" HTTP/1.1\r\n")
                .append("Host: ")
                .append(base.hostHeader())
                .append("\r\n")
                .append("User-Agent: llm-proxy\r\n");
        if (body != null) {
            h.append("Content-Type: application/json\r\nContent-Length: ")
                    .append(body.length)
                    .append("\r\n");
        }
        return h.append(extraHeaders).append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Writes {@code head} and the body, and flushes. */
    void write(OutputStream out, byte[] head) throws IOException {
        out.write(head);
        if (body != null) {
            // In slices: the socket copies each write through a temporary direct buffer of the
            // write's size, which for a whole multi-MB prompt is allocated and zeroed every time.
            for (int off = 0; off < body.length; off += WRITE_SLICE) {
                out.write(body, off, Math.min(WRITE_SLICE, body.length - off));
            }
        }
        out.flush();
    }
}
