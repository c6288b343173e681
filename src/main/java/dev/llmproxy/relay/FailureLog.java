package dev.llmproxy.relay;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backend that cannot be reached is logged once a minute, with how many calls it failed meanwhile: a server
 * down under load must not write a line per call.
 */
final class FailureLog {
    private static final Logger LOG = LoggerFactory.getLogger(FailureLog.class);
    private static final long EVERY_NANOS = 60_000_000_000L;
    private static final Map<String, Entry> BY_BACKEND = new ConcurrentHashMap<>();

    private static final class Entry {
        final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong since = new AtomicLong();
    }

    private FailureLog() {}

    /** Notes a failed call to {@code backend}; logs it (and says so) when none was logged for a minute. */
    static boolean failed(String backend, String what) {
        Entry e = BY_BACKEND.computeIfAbsent(backend, b -> new Entry());
        long failures = e.since.incrementAndGet();
        long now = System.nanoTime();
        long next = e.next.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && e.next.compareAndSet(next, now + EVERY_NANOS)) {
            e.since.addAndGet(-failures);
            LOG.warn(
                    "the {} backend {} ({} since the last such line)",
                    backend,
                    what,
                    failures == 1 ? "1 call failed" : failures + " calls failed");
            return true;
        }
        return false;
    }
}
