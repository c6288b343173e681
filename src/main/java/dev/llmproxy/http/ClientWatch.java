package dev.llmproxy.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a client that hangs up while we wait on a model, so the model can be stopped at once. Jetty
 * reads nothing from a connection while its request is being handled, so nothing tells us the client
 * left until we write. This watch polls the socket every 100 ms with a non-blocking read: -1 means the
 * client closed it. An HTTP/1.1 client sends nothing more before our answer is complete (OpenAI SDKs and
 * nginx do not pipeline), and the watch stops before the handler returns, so it never takes bytes of a
 * next request; if it ever reads one anyway, it stops watching and asks for the connection to be closed.
 */
final class ClientWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientWatch.class);
    private static final long POLL_NANOS = 100_000_000L;

    private final SocketChannel channel;
    private final List<Runnable> onGone = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean gone;
    private volatile boolean readAhead;

    private ClientWatch(SocketChannel channel) {
        this.channel = channel;
        this.thread =
                channel == null ? null : Thread.ofVirtual().name("client-watch").start(this::poll);
    }

    static ClientWatch start(Context ctx) {
        SocketChannel channel = null;
        try {
            var endPoint = ServletContextRequest.getServletContextRequest(ctx.req())
                    .getConnectionMetaData()
                    .getConnection()
                    .getEndPoint();
            if (endPoint instanceof SocketChannelEndPoint s) {
                channel = s.getChannel();
            }
        } catch (RuntimeException e) {
            LOG.debug("no socket to watch: {}", e.toString());
        }
        return new ClientWatch(channel);
    }

    /**
     * Adds {@code action} to those run when the client is gone (at once if it already is). Every action
     * stays: a request may have several upstream calls in flight. Actions must be idempotent (cancel, close).
     */
    void onGone(Runnable action) {
        onGone.add(action);
        if (gone) {
            action.run();
        }
    }

    boolean gone() {
        return gone;
    }

    /** True when the watch consumed bytes of the connection: the response must close it. */
    boolean readAhead() {
        return readAhead;
    }

    private void poll() {
        ByteBuffer one = ByteBuffer.allocate(1);
        while (!closed) {
            try {
                int n = channel.read(one);
                if (n < 0) {
                    markGone();
                    return;
                }
                if (n > 0) {
                    readAhead = true;
                    LOG.warn("client sent data before its answer (pipelining); the connection will be closed");
                    return;
                }
            } catch (IOException e) {
                markGone();
                return;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private void markGone() {
        gone = true;
        onGone.forEach(Runnable::run);
    }

    @Override
    public void close() {
        if (thread == null) {
            return;
        }
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
