package dev.llmproxy.upstream;

import java.time.Duration;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Idle connections to one replica kept for reuse, the most recently used first, each for at most the backend's
 * keep-alive: below the server's own idle timeout (uvicorn's 5 s, which vLLM serves with), so the upstream rarely
 * closes one under us. A keep-alive of zero keeps none.
 */
final class ConnectionPool implements AutoCloseable {
    private static final int MAX_IDLE = 64;

    private final long maxIdleNanos;
    private final Deque<Connection> idle = new ConcurrentLinkedDeque<>();

    ConnectionPool(Duration keepalive) {
        this.maxIdleNanos = keepalive.toNanos();
    }

    /** The most recently kept connection still young enough, or null; older ones are closed on the way. */
    Connection take() {
        for (Connection last; (last = idle.peekLast()) != null && !fresh(last); ) {
            if (idle.removeLastOccurrence(last)) {
                last.close();
            }
        }
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            if (fresh(c)) {
                return c;
            }
            c.close();
        }
        return null;
    }

    boolean hasRoom() {
        return maxIdleNanos > 0 && idle.size() < MAX_IDLE;
    }

    /** Keeps {@code c}, read to the end of its last answer, for the next request. */
    void keep(Connection c) {
        idle.offerFirst(c);
    }

    private boolean fresh(Connection c) {
        return System.nanoTime() - c.idleSince < maxIdleNanos && !c.socket.isClosed();
    }

    /** Closes the kept connections. */
    @Override
    public void close() {
        for (Connection c; (c = idle.poll()) != null; ) {
            c.close();
        }
    }
}
