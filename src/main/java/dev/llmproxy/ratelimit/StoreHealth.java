package dev.llmproxy.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks a remote store's failures: counts them for metrics, and logs an outage when it starts, at most
 * once per interval while it lasts (with how many decisions it hit), and when it ends. Never a line per
 * request.
 */
public final class StoreHealth {
    private static final Logger LOG = LoggerFactory.getLogger(StoreHealth.class);

    private final String name;
    private final String failureMode;
    private final long intervalNanos;
    private final LongAdder errors = new LongAdder();
    private final AtomicLong unloggedErrors = new AtomicLong();
    private final AtomicLong lastLogNanos = new AtomicLong();
    private final AtomicBoolean down = new AtomicBoolean();

    public StoreHealth(String name, FailureMode mode, Duration logInterval) {
        this.name = name;
        this.failureMode = mode.name().toLowerCase();
        this.intervalNanos = logInterval.toNanos();
    }

    void failed(Exception e) {
        errors.increment();
        unloggedErrors.incrementAndGet();
        long now = System.nanoTime();
        boolean started = down.compareAndSet(false, true);
        long last = lastLogNanos.get();
        if ((started || now - last >= intervalNanos) && lastLogNanos.compareAndSet(last, now)) {
            long n = unloggedErrors.getAndSet(0);
            LOG.warn(
                    "{} unavailable ({}): {} decision(s) failed {} since the last report",
                    name,
                    e.getClass().getSimpleName(),
                    n,
                    failureMode);
        }
    }

    void succeeded() {
        if (down.compareAndSet(true, false)) {
            LOG.info("{} reachable again", name);
        }
    }

    /** Calls to the store that failed since start-up. */
    public long errors() {
        return errors.sum();
    }

    public boolean down() {
        return down.get();
    }
}
