package dev.llmproxy.ratelimit;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * Wakes every tenth of the timeout and lets the pipeline fail what is past its deadline, queued or sent, so
 * that no request waits for Redis longer than the timeout (plus at most one period). One thread for all
 * waits: a timed wait per decision would cost each one a timer.
 */
final class RedisPipelineWatchdog implements AutoCloseable {
    private final Thread thread;
    private volatile boolean closed;

    /** @param expire called with {@link System#nanoTime()} each period */
    RedisPipelineWatchdog(Duration timeout, LongConsumer expire) {
        long period = Math.clamp(timeout.toNanos() / 10, 1_000_000L, 25_000_000L);
        this.thread = Thread.ofPlatform().name("redis-timeouts").daemon().start(() -> {
            while (!closed) {
                LockSupport.parkNanos(period);
                expire.accept(System.nanoTime());
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
