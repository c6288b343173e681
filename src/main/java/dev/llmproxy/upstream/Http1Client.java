package dev.llmproxy.upstream;

import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.backends.UpstreamUrl;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLSocketFactory;

/**
 * A small blocking HTTP/1.1 client, made for virtual threads: a read that has to wait parks only the
 * calling virtual thread, so a streamed line goes from the upstream's socket to the code that translates
 * it with one wake-up. (The JDK's asynchronous HttpClient passes every piece from its selector thread to an
 * executor thread and then to the reading thread; on the Ollama streaming path that machinery cost more
 * CPU than the translation itself: README, "What each change bought".)
 *
 * <p>A client serves one backend: its replicas share the calls ({@link Replicas}), each with its own kept
 * connections. Idle connections are kept for reuse ({@link ConnectionPool}). A request on a kept connection that the
 * upstream had closed meanwhile fails at once, before any byte of an answer; only then is it sent once
 * more, on a fresh connection. A failure that comes later is never retried: the upstream may have acted on
 * the request.
 *
 * <p>Timeouts: connecting, and each read (the answer's head, then every read of its body), so a stream
 * that stays silent that long is broken, as with nginx's {@code proxy_read_timeout}.
 */
public final class Http1Client implements AutoCloseable {
    /** A kept connection the upstream had closed fails within this of our writing to it. */
    private static final long STALE_FAILURE_NANOS = Duration.ofMillis(500).toNanos();

    /** One replica: where it is, its kept connections, and how to open more. */
    private record Replica(UpstreamUrl base, ConnectionPool pool, Dialer dialer) {}

    private final Replicas<Replica> replicas;
    private final int readTimeoutMillis;
    /** Sent with every request: the backend's key and its configured headers. */
    private final Map<String, String> headers;

    public Http1Client(UpstreamUrl base, Duration connectTimeout, Duration readTimeout) {
        this(base, connectTimeout, readTimeout, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    public Http1Client(UpstreamUrl base, Duration connectTimeout, Duration readTimeout, SSLSocketFactory tls) {
        this(List.of(base), connectTimeout, readTimeout, tls, BackendSpec.DEFAULT_KEEPALIVE, Map.of());
    }

    /**
     * A client of {@code backend}'s replicas, balanced ({@link Replicas}), with its key ({@code Authorization})
     * and extra headers on every request, its {@code ca_file} for https and its keep-alive.
     */
    public Http1Client(BackendSpec backend, Duration connectTimeout, Duration readTimeout) {
        this(
                backend.urls(),
                connectTimeout,
                readTimeout,
                CaBundle.socketFactory(backend.caFile()),
                backend.keepalive(),
                headers(backend));
    }

    private Http1Client(
            List<UpstreamUrl> bases,
            Duration connectTimeout,
            Duration readTimeout,
            SSLSocketFactory tls,
            Duration keepalive,
            Map<String, String> headers) {
        List<Replica> all = new ArrayList<>();
        for (UpstreamUrl base : bases) {
            var pool = new ConnectionPool(keepalive);
            all.add(new Replica(base, pool, new Dialer(base, millis(connectTimeout), tls, pool)));
        }
        this.replicas = new Replicas<>(all, Clock.systemUTC());
        this.readTimeoutMillis = millis(readTimeout);
        this.headers = headers;
    }

    private static Map<String, String> headers(BackendSpec backend) {
        Map<String, String> h = new LinkedHashMap<>(backend.headers());
        backend.apiKey().ifPresent(k -> h.put("Authorization", "Bearer " + k.value()));
        return Collections.unmodifiableMap(h);
    }

    /** A POST of a JSON body to {@code path} (under the base URL's path prefix); not sent until executed. */
    public Call post(String path, byte[] json, String requestId) {
        return new Call(new Request("POST", path, json), requestId, readTimeoutMillis);
    }

    /** A GET of {@code path}, reading with {@code timeout} instead of the client's read timeout. */
    public Call get(String path, Duration timeout) {
        return get(path, null, timeout);
    }

    public Call get(String path, String requestId, Duration timeout) {
        return new Call(new Request("GET", path, null), requestId, millis(timeout));
    }

    /** Each replica's load ({@code host:port}, in the backend's order), for metrics. */
    public Map<String, Replicas.Load> load() {
        Map<String, Replicas.Load> out = new LinkedHashMap<>();
        for (int i = 0; i < replicas.all().size(); i++) {
            out.put(replicas.all().get(i).base().authority(), replicas.load(i));
        }
        return out;
    }

    /** Closes the kept connections. */
    @Override
    public void close() {
        replicas.all().forEach(r -> r.pool().close());
    }

    /** The upstream could not be reached: nothing was sent. */
    public static final class ConnectFailedException extends IOException {
        ConnectFailedException(String message, Throwable cause) {
            super(message, cause);
        }

        /** Failing to connect to {@code upstream}, for the reason {@code e} gives. */
        public ConnectFailedException(UpstreamUrl upstream, IOException e) {
            // Java's words for a name that does not resolve are the name alone.
            super(
                    "cannot connect to " + upstream.authority() + ": "
                            + (e instanceof java.net.UnknownHostException
                                    ? "its host name does not resolve"
                                    : e.getMessage()),
                    e);
        }
    }

    /** One request. {@link #cancel()} may be called from any thread, at any time, more than once. */
    public final class Call {
        private final Request request;
        private final int readTimeout;
        private volatile Connection connection;
        private volatile boolean cancelled;

        private Call(Request request, String requestId, int readTimeout) {
            this.request = request;
            this.readTimeout = readTimeout;
            headers.forEach(this::header);
            if (requestId != null) {
                header("X-Request-ID", requestId); // checked like any other
            }
        }

        /** Adds a request header; a value with a line break is refused (it would forge a header of its own). */
        public Call header(String name, String value) {
            request.header(name, value);
            return this;
        }

        /**
         * Sends the request and reads the answer's head; the caller reads and closes the body. The replica is
         * picked now; one that cannot be reached passes the request to the next ({@link Replicas}).
         */
        public Response execute() throws IOException {
            return replicas.execute(this::sendTo);
        }

        private Response sendTo(Replica replica) throws IOException {
            ConnectionPool pool = replica.pool();
            byte[] head = request.head(replica.base());
            boolean mayReuse = true;
            while (true) {
                Connection c = mayReuse ? pool.take() : null;
                boolean reused = c != null;
                if (reused) {
                    c.claim(this);
                    connection = c;
                } else {
                    c = connect(replica); // claimed as it is made, so a cancel can stop the connecting too
                }
                if (cancelled) {
                    c.close();
                    throw new IOException("request cancelled");
                }
                long sentAt = System.nanoTime();
                try {
                    c.socket.setSoTimeout(readTimeout);
                    request.write(c.out, head);
                    ResponseHead answer = ResponseHead.read(c);
                    if (answer != null) {
                        return new Response(answer.status(), answer.headers(), answer.body(c, request.method()));
                    }
                    throw new EOFException("the upstream closed the connection without answering");
                } catch (IOException e) {
                    c.close();
                    boolean stale = reused
                            && !cancelled
                            && !c.answered
                            && !(e instanceof SocketTimeoutException)
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

        private Connection connect(Replica replica) throws IOException {
            Connection c = replica.dialer().create();
            c.claim(this);
            connection = c;
            try {
                replica.dialer().connect(c);
                return c;
            } catch (IOException e) {
                c.close();
                if (cancelled) {
                    throw e;
                }
                throw new ConnectFailedException(replica.base(), e);
            }
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

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }
}
