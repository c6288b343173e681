package dev.llmproxy.upstream;

import dev.llmproxy.config.UpstreamUrl;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A small blocking HTTP/1.1 client, made for virtual threads: a read that has to wait parks only the
 * calling virtual thread, so a streamed line goes from the upstream's socket to the code that translates
 * it with one wake-up. (The JDK's asynchronous HttpClient passes every piece from its selector thread to an
 * executor thread and then to the reading thread; on the Ollama streaming path that machinery cost more
 * CPU than the translation itself: README, "What each change bought".)
 *
 * <p>Idle connections are kept for reuse, at most {@value #MAX_IDLE_SECONDS} s (below uvicorn's 5 s
 * keep-alive, which vLLM serves with). A request on a kept connection that the upstream had closed
 * meanwhile fails at once, before any byte of an answer; only then is it sent once more, on a fresh
 * connection. A failure that comes later is never retried: the upstream may have acted on the request.
 *
 * <p>Timeouts: connecting, and each read (the answer's head, then every read of its body), so a stream
 * that stays silent that long is broken, as with nginx's {@code proxy_read_timeout}.
 */
public final class Http1Client implements AutoCloseable {
    private static final int WRITE_SLICE = 64 * 1024;

    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final int MAX_IDLE = 64;
    private static final int MAX_IDLE_SECONDS = 4;
    private static final long MAX_IDLE_NANOS = Duration.ofSeconds(MAX_IDLE_SECONDS).toNanos();
    /** A kept connection the upstream had closed fails within this of our writing to it. */
    private static final long STALE_FAILURE_NANOS = Duration.ofMillis(500).toNanos();

    private final UpstreamUrl base;
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private final SSLSocketFactory tls;
    private final Deque<Connection> idle = new ConcurrentLinkedDeque<>();

    public Http1Client(UpstreamUrl base, Duration connectTimeout, Duration readTimeout) {
        this(base, connectTimeout, readTimeout, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    public Http1Client(UpstreamUrl base, Duration connectTimeout, Duration readTimeout, SSLSocketFactory tls) {
        this.base = base;
        this.connectTimeoutMillis = millis(connectTimeout);
        this.readTimeoutMillis = millis(readTimeout);
        this.tls = tls;
    }

    /** A POST of a JSON body to {@code path} (under the base URL's path prefix); not sent until executed. */
    public Call post(String path, byte[] json, String requestId) {
        return new Call("POST", path, json, requestId, readTimeoutMillis);
    }

    /** A GET of {@code path}, reading with {@code timeout} instead of the client's read timeout. */
    public Call get(String path, Duration timeout) {
        return get(path, null, timeout);
    }

    public Call get(String path, String requestId, Duration timeout) {
        return new Call("GET", path, null, requestId, millis(timeout));
    }

    /** The most recently kept connection still young enough; older ones are closed on the way. */
    private Connection kept() {
        for (Connection last; (last = idle.peekLast()) != null && !last.fresh(); ) {
            if (idle.removeLastOccurrence(last)) {
                last.close();
            }
        }
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            if (c.fresh()) {
                return c;
            }
            c.close();
        }
        return null;
    }

    /** Closes the kept connections. */
    @Override
    public void close() {
        for (Connection c; (c = idle.poll()) != null; ) {
            c.close();
        }
    }

    /** The upstream could not be reached: nothing was sent. */
    public static final class ConnectFailedException extends IOException {
        ConnectFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One request. {@link #cancel()} may be called from any thread, at any time, more than once. */
    public final class Call {
        private final String method;
        private final String path;
        private final byte[] body;
        private final int readTimeout;
        private final StringBuilder extraHeaders = new StringBuilder();
        private volatile Connection connection;
        private volatile boolean cancelled;

        private Call(String method, String path, byte[] body, String requestId, int readTimeout) {
            this.method = method;
            this.path = path;
            this.body = body;
            this.readTimeout = readTimeout;
            if (requestId != null) {
                header("X-Request-ID", requestId); // checked like any other
            }
        }

        /** Adds a request header; a value with a line break is refused (it would forge a header of its own). */
        public Call header(String name, String value) {
            if (name.chars().anyMatch(ch -> ch <= ' ' || ch == ':' || ch > '~') || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("not a valid header: " + name);
            }
            extraHeaders.append(name).append(": ").append(value).append("\r\n");
            return this;
        }

        /** Sends the request and reads the answer's head; the caller reads and closes the body. */
        public Response execute() throws IOException {
            byte[] head = requestHead();
            boolean mayReuse = true;
            while (true) {
                Connection c = mayReuse ? kept() : null;
                boolean reused = c != null;
                if (reused) {
                    c.claim(this);
                    connection = c;
                } else {
                    c = connect(); // claimed as it is made, so a cancel can stop the connecting too
                }
                if (cancelled) {
                    c.close();
                    throw new IOException("request cancelled");
                }
                long sentAt = System.nanoTime();
                try {
                    c.socket.setSoTimeout(readTimeout);
                    c.out.write(head);
                    if (body != null) {
                        // In slices: the socket copies each write through a temporary direct buffer of the
                        // write's size, which for a whole multi-MB prompt is allocated and zeroed every time.
                        for (int off = 0; off < body.length; off += WRITE_SLICE) {
                            c.out.write(body, off, Math.min(WRITE_SLICE, body.length - off));
                        }
                    }
                    c.out.flush();
                    Response r = readHead(c);
                    if (r != null) {
                        return r;
                    }
                    throw new EOFException("the upstream closed the connection without answering");
                } catch (IOException e) {
                    c.close();
                    boolean stale = reused && !cancelled && !c.answered && !(e instanceof SocketTimeoutException)
                            && System.nanoTime() - sentAt < STALE_FAILURE_NANOS;
                    if (!stale) {
                        throw e;
                    }
                    mayReuse = false; // a kept connection the upstream had closed: once more, on a fresh one
                }
            }
        }

        /**
         * Closes the connection: a connect or read blocked in this call ends at once with an IOException.
         * A connection this call already gave back for reuse belongs to another call and stays open.
         */
        public void cancel() {
            cancelled = true;
            Connection c = connection;
            if (c != null) {
                c.closeIfOwnedBy(this);
            }
        }

        public boolean cancelled() {
            return cancelled;
        }

        private byte[] requestHead() {
            if (path.chars().anyMatch(ch -> ch <= ' ' || ch > '~')) {
                throw new IllegalArgumentException("not a valid path: " + path);
            }
            StringBuilder h = new StringBuilder(256).append(method).append(' ').append(base.pathPrefix()).append(path).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(base.authority()).append("\r\n")
                    .append("User-Agent: llm-proxy\r\n");
            if (body != null) {
                h.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
            }
            return h.append(extraHeaders).append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        private Connection connect() throws IOException {
            Socket socket = new Socket();
            Connection c = new Connection(socket);
            c.claim(this);
            connection = c;
            try {
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(base.host(), base.port()), connectTimeoutMillis);
                return c.open(base.scheme().equals("https") ? tls(socket) : socket);
            } catch (IOException e) {
                c.close();
                if (cancelled) {
                    throw e;
                }
                throw new ConnectFailedException("cannot connect to " + base.authority() + ": " + e.getMessage(), e);
            }
        }

        private Socket tls(Socket plain) throws IOException {
            SSLSocket s = (SSLSocket) tls.createSocket(plain, base.host(), base.port(), true);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
            s.setSSLParameters(p);
            s.setSoTimeout(connectTimeoutMillis);
            s.startHandshake();
            return s;
        }

        /** The answer's head, or null when the connection ended before any byte of it. */
        private Response readHead(Connection c) throws IOException {
            while (true) {
                String status = c.line();
                if (status == null) {
                    return null;
                }
                if (!status.startsWith("HTTP/1.") || status.length() < 12) {
                    throw new IOException("not an HTTP/1.x answer");
                }
                int code = parseStatus(status);
                Map<String, String> headers = c.headers();
                if (code >= 200) {
                    return response(c, status, code, headers);
                }
                // 1xx: an interim answer; the real head follows
            }
        }

        private Response response(Connection c, String status, int code, Map<String, String> headers) throws IOException {
            c.keepAlive = status.startsWith("HTTP/1.1") && !headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT).contains("close");
            InputStream in;
            if (method.equals("HEAD") || code == 204 || code == 304) {
                in = new Fixed(c, 0);
            } else if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
                in = new Chunked(c);
            } else if (headers.containsKey("content-length")) {
                long length;
                try {
                    length = Long.parseLong(headers.get("content-length").trim());
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length");
                }
                if (length < 0) {
                    throw new IOException("bad Content-Length");
                }
                in = new Fixed(c, length);
            } else {
                c.keepAlive = false; // ends when the upstream closes
                in = new UntilClose(c);
            }
            return new Response(code, headers, in);
        }
    }

    private static int parseStatus(String line) throws IOException {
        try {
            return Integer.parseInt(line.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("bad status line");
        }
    }

    /** An answer: status, headers (names lower-case) and a body the caller must close. */
    public record Response(int status, Map<String, String> headers, InputStream body) implements AutoCloseable {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The whole body, at most {@code max} bytes, then closed. */
        public byte[] readBody(int max) throws IOException {
            try (body) {
                return body.readNBytes(max);
            }
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /** A socket with its buffers; kept for the next request when its answer was read to the end. */
    private final class Connection {
        final Socket plain;
        Socket socket;
        InputStream in;
        OutputStream out;
        boolean keepAlive;
        boolean answered;
        long idleSince;
        /** The call using this connection; none while it is kept idle. Changed and acted on under {@link #lock}. */
        private Call owner;
        /** Orders a cancel from another thread against this connection's return to the pool. */
        private final ReentrantLock lock = new ReentrantLock();

        Connection(Socket plain) {
            this.plain = plain;
            this.socket = plain;
        }

        Connection open(Socket s) throws IOException {
            socket = s;
            in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            out = new BufferedOutputStream(s.getOutputStream(), 8 * 1024);
            return this;
        }

        void claim(Call call) {
            lock.lock();
            try {
                owner = call;
            } finally {
                lock.unlock();
            }
        }

        /** A cancel: closes the connection only if {@code call} still uses it (not once it was given back). */
        void closeIfOwnedBy(Call call) {
            lock.lock();
            try {
                if (owner == call) {
                    close();
                }
            } finally {
                lock.unlock();
            }
        }

        boolean fresh() {
            return System.nanoTime() - idleSince < MAX_IDLE_NANOS && !socket.isClosed();
        }

        /** A line of the head without its CRLF; null at the end of the stream before any byte. */
        String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int b; (b = in.read()) >= 0; ) {
                answered = true;
                if (b == '\n') {
                    int n = sb.length();
                    return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
                }
                if (sb.length() >= MAX_HEAD_BYTES) {
                    throw new IOException("the answer's head is too large");
                }
                sb.append((char) b);
            }
            if (sb.isEmpty() && !answered) {
                return null;
            }
            throw new EOFException("the upstream closed the connection in the middle of its answer");
        }

        Map<String, String> headers() throws IOException {
            Map<String, String> headers = new TreeMap<>();
            int total = 0;
            for (String h; !(h = line()).isEmpty(); ) {
                total += h.length();
                if (total > MAX_HEAD_BYTES) {
                    throw new IOException("the answer's head is too large");
                }
                int colon = h.indexOf(':');
                if (colon > 0) {
                    headers.merge(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim(), (a, b) -> a + ", " + b);
                }
            }
            return headers;
        }

        /** The answer was read to its end: keep the connection, or close it. */
        void done() {
            lock.lock();
            try {
                boolean keep = keepAlive && owner != null && !owner.cancelled && idle.size() < MAX_IDLE;
                owner = null;
                if (!keep) {
                    close();
                    return;
                }
                answered = false;
                idleSince = System.nanoTime();
            } finally {
                lock.unlock();
            }
            idle.offerFirst(this);
        }

        void close() {
            try {
                socket.close();
                plain.close();
            } catch (IOException ignored) {
                // closed either way
            }
        }
    }

    /** A body: reading its end returns the connection; closing it early closes the connection. */
    private abstract static sealed class Body extends InputStream permits Fixed, Chunked, UntilClose {
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

    private static final class Fixed extends Body {
        private long left;

        Fixed(Connection c, long length) {
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

    /** HTTP/1.1 chunked transfer coding (RFC 9112, section 7.1). */
    private static final class Chunked extends Body {
        private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        private long left;

        Chunked(Connection c) {
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

    private static final class UntilClose extends Body {
        UntilClose(Connection c) {
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

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }
}
