package dev.llmproxy.upstream;

import java.time.Duration;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Idle connections kept for reuse, the most recently used first, each at most {@value #MAX_IDLE_SECONDS} s:
 * below uvicorn's 5 s keep-alive, which vLLM serves with, so the upstream rarely closes one under us.
 */
final class ConnectionPool implements AutoCloseable {
    static final int MAX_IDLE_SECONDS = 4;
    private static final int MAX_IDLE = 64;
    private static final long MAX_IDLE_NANOS =
            Duration.ofSeconds(MAX_IDLE_SECONDS).toNanos();

    private final Deque<Connection> idle = new ConcurrentLinkedDeque<>();

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
        return idle.size() < MAX_IDLE;
    }

    /** Keeps {@code c}, read to the end of its last answer, for the next request. */
    void keep(Connection c) {
        idle.offerFirst(c);
    }

    private static boolean fresh(Connection c) {
        return System.nanoTime() - c.idleSince < MAX_IDLE_NANOS && !c.socket.isClosed();
    }

    /** Closes the kept connections. */
    @Override
    public void close() {
        for (Connection c; (c = idle.poll()) != null; ) {
            c.close();
        }
    }
}
