package dev.llmproxy.upstream;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.locks.ReentrantLock;

/** A socket with its buffers, used by one call at a time; given back to its pool when its answer was read to the end. */
final class Connection {
    /** Bounds each line of an answer's head, and all its header lines together. */
    static final int MAX_HEAD_BYTES = 64 * 1024;

    private final ConnectionPool pool;
    final Socket plain;
    Socket socket;
    InputStream in;
    OutputStream out;
    boolean keepAlive;
    /** A byte of an answer came since the request was sent: a failure now is no stale kept connection. */
    boolean answered;

    long idleSince;
    /** The call using this connection; none while it is kept idle. Changed and acted on under {@link #lock}. */
    private Http1Client.Call owner;
    /** Orders a cancel from another thread against this connection's return to the pool. */
    private final ReentrantLock lock = new ReentrantLock();

    /** Not connected yet: a call claims it first, so a cancel can stop the connecting too. */
    Connection(Socket plain, ConnectionPool pool) {
        this.plain = plain;
        this.socket = plain;
        this.pool = pool;
    }

    /** Reads and writes through {@code s}: the plain socket, or TLS over it. */
    Connection open(Socket s) throws IOException {
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        out = new BufferedOutputStream(s.getOutputStream(), 8 * 1024);
        return this;
    }

    void claim(Http1Client.Call call) {
        lock.lock();
        try {
            owner = call;
        } finally {
            lock.unlock();
        }
    }

    /** A cancel: closes the connection only if {@code call} still uses it (not once it was given back). */
    void closeIfOwnedBy(Http1Client.Call call) {
        lock.lock();
        try {
            if (owner == call) {
                close();
            }
        } finally {
            lock.unlock();
        }
    }

    /** A line of the head (or of a chunked body's framing) without its CRLF; null at the end of the stream before any byte. */
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

    /** The answer was read to its end: keep the connection, or close it. */
    void done() {
        lock.lock();
        try {
            boolean keep = keepAlive && owner != null && !owner.cancelled() && pool.hasRoom();
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
        pool.keep(this);
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
