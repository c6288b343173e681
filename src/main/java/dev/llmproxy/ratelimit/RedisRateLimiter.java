package dev.llmproxy.ratelimit;

import dev.llmproxy.support.Resources;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Limits kept in Redis and shared by every sidecar: one {@code EVALSHA} of {@code gcra.lua} per decision,
 * which checks and commits both windows atomically with Redis's clock. When Redis cannot answer within
 * the timeout, the {@link FailureMode} decides; the pool reconnects by itself when Redis is back.
 *
 * <p>Decisions are pipelined: request threads queue them, and one platform thread sends whatever is
 * queued as one batch on one connection and hands each reply back. Under load a batch holds many
 * decisions, so Redis and the sidecar pay one read and one write for all of them; with one request at a
 * time a batch is that one decision. Each {@code EVALSHA} stays atomic, so limits stay exact across
 * sidecars. (Measured in bench/limiter.sh, figures in the README: a blocking round trip per decision on
 * the request's virtual thread cost the sidecar about four times the memory store's CPU per decision.)
 */
public final class RedisRateLimiter implements RateLimiter, AutoCloseable {
    static final String SCRIPT = Resources.text(RedisRateLimiter.class, "gcra.lua");

    /** More than this in one batch waits for the next: bounds one pipeline's buffers and latency. */
    private static final int MAX_BATCH = 256;

    private final JedisPool pool;
    private final long timeoutNanos;
    private final String keyPrefix;
    private final FailureMode failureMode;
    private final InstantSource testClock;
    private final StoreHealth health;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread pipeliner;
    private final Thread watchdog;
    /** The batch being sent, for the watchdog. */
    private volatile List<Pending> inFlight = List.of();
    private volatile boolean closed;
    private volatile String sha;

    /** A decision waiting for its batch: the script's key and arguments, and where its reply goes. */
    private record Pending(String key, List<String> args, long deadline, CompletableFuture<List<?>> reply) {}

    /**
     * @param timeout   how long a decision may wait for Redis (the pool's socket timeout should be the same)
     * @param testClock null in production (Redis TIME is the clock); tests pass a fake clock instead
     */
    public RedisRateLimiter(JedisPool pool, Duration timeout, String keyPrefix, FailureMode failureMode, StoreHealth health,
                            InstantSource testClock) {
        this.pool = pool;
        this.timeoutNanos = timeout.toNanos();
        this.keyPrefix = keyPrefix;
        this.failureMode = failureMode;
        this.health = health;
        this.testClock = testClock;
        this.pipeliner = Thread.ofPlatform().name("redis-pipeline").daemon().start(this::pipeline);
        this.watchdog = Thread.ofPlatform().name("redis-timeouts").daemon().start(this::expire);
    }

    /** A pool sized for many concurrent (virtual-thread) requests, where no wait outlasts {@code timeout}. */
    public static JedisPool pool(java.net.URI redisUrl, Duration timeout, int maxConnections) {
        GenericObjectPoolConfig<Jedis> cfg = new GenericObjectPoolConfig<>();
        cfg.setMaxTotal(maxConnections);
        cfg.setMaxIdle(maxConnections);
        cfg.setMinIdle(0);
        cfg.setMaxWait(timeout);
        cfg.setJmxEnabled(false);
        cfg.setTestOnBorrow(false); // a broken connection fails the call, is discarded, and the next one is fresh
        int ms = (int) timeout.toMillis();
        return new JedisPool(cfg, redisUrl, ms, ms);
    }

    @Override
    public Decision acquire(String key, Quota quota) {
        if (quota.unlimited()) {
            return Decision.UNLIMITED; // nothing to count: no round trip
        }
        var pending = new Pending(keyPrefix + "rl:" + key, List.of(Long.toString(quota.rpm()), Long.toString(quota.rpd()), testNow()),
                System.nanoTime() + timeoutNanos, new CompletableFuture<>());
        queue.add(pending);
        if (closed) {
            pending.reply().completeExceptionally(new IllegalStateException("the rate limiter was closed"));
        }
        List<?> reply;
        try {
            // Untimed: the watchdog ends the wait at the deadline. (A timed wait costs each decision a timer.)
            reply = pending.reply().get();
        } catch (ExecutionException e) {
            return failed(e.getCause() instanceof Exception c ? c : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pending.reply().cancel(false);
            throw new StoreUnavailableException(e);
        }
        try {
            Decision d = decision(reply);
            health.succeeded();
            return d;
        } catch (RuntimeException e) { // not the script's answer: as good as no answer
            return failed(e);
        }
    }

    /** No decision from Redis: the failure mode says what that means. */
    private Decision failed(Exception cause) {
        health.failed(cause);
        if (failureMode == FailureMode.OPEN) {
            return Decision.UNCOUNTED;
        }
        throw new StoreUnavailableException(cause);
    }

    /** The pipeline thread: takes what is queued, sends it as one batch, hands out the replies, again. */
    private void pipeline() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        long margin = timeoutNanos / 10;
        while (!closed) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only close() interrupts, and then the loop ends
            }
            try {
                queue.drainTo(batch, MAX_BATCH - 1);
                long now = System.nanoTime();
                // Its request stopped waiting, or is about to: not sent, so never counted behind its back.
                batch.removeIf(p -> p.reply().isDone() || timeOut(p, now + margin));
                if (!batch.isEmpty()) {
                    inFlight = List.copyOf(batch);
                    send(batch);
                }
            } catch (Throwable t) {
                // Redis down, slow or gone mid-batch, or anything else: it fails every decision of this batch
                // not yet answered, never the thread.
                batch.forEach(p -> p.reply().completeExceptionally(t));
            } finally {
                inFlight = List.of();
                batch.clear();
            }
        }
    }

    /**
     * Fails every decision still waiting at its deadline, queued or sent, so that no request waits for
     * Redis longer than the timeout (plus at most a tenth of it, this thread's period).
     */
    private void expire() {
        long period = Math.clamp(timeoutNanos / 10, 1_000_000L, 25_000_000L);
        while (!closed) {
            LockSupport.parkNanos(period);
            long now = System.nanoTime();
            for (Pending p : queue) {
                timeOut(p, now);
            }
            for (Pending p : inFlight) {
                timeOut(p, now);
            }
        }
    }

    /** Fails {@code p} if its deadline comes before {@code now}; true when it did. */
    private boolean timeOut(Pending p, long now) {
        return now - p.deadline() >= 0
                && p.reply().completeExceptionally(new TimeoutException("Redis did not answer within " + Duration.ofNanos(timeoutNanos).toMillis() + " ms"));
    }

    /** Sends one batch and answers each of its decisions; throws when Redis cannot be asked. */
    private void send(List<Pending> batch) {
        try (Jedis jedis = pool.getResource()) {
            String current = sha != null ? sha : load(jedis);
            List<Object> replies = evaluate(jedis, batch, current);
            List<Pending> unknown = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                if (replies.get(i) instanceof JedisNoScriptException) {
                    unknown.add(batch.get(i));
                } else {
                    deliver(batch.get(i), replies.get(i)); // counted: answered now, whatever happens next
                }
            }
            if (!unknown.isEmpty()) {
                // Redis restarted or SCRIPT FLUSH: load it again, once, and send again exactly the decisions
                // answered NOSCRIPT (answered before anything ran).
                List<Object> again = evaluate(jedis, unknown, load(jedis));
                for (int i = 0; i < unknown.size(); i++) {
                    deliver(unknown.get(i), again.get(i));
                }
            }
        }
    }

    private static void deliver(Pending p, Object reply) {
        if (reply instanceof List<?> list) {
            p.reply().complete(list);
        } else {
            p.reply().completeExceptionally(reply instanceof Exception e ? e : new IllegalStateException("not the script's answer: " + reply));
        }
    }

    /** One pipeline: every EVALSHA written, then every reply read; a command's own error is its reply. */
    private static List<Object> evaluate(Jedis jedis, List<Pending> batch, String sha) {
        List<Response<Object>> responses = new ArrayList<>(batch.size());
        try (Pipeline p = jedis.pipelined()) {
            for (Pending q : batch) {
                responses.add(p.evalsha(sha, List.of(q.key()), q.args()));
            }
            p.sync();
        }
        List<Object> replies = new ArrayList<>(batch.size());
        for (Response<Object> r : responses) {
            try {
                replies.add(r.get());
            } catch (JedisDataException e) {
                replies.add(e);
            }
        }
        return replies;
    }

    private String load(Jedis jedis) {
        String loaded = jedis.scriptLoad(SCRIPT);
        sha = loaded;
        return loaded;
    }

    private static Decision decision(List<?> r) {
        boolean allowed = (Long) r.get(0) == 1L;
        LimitWindow window = switch (((Long) r.get(1)).intValue()) {
            case 1 -> LimitWindow.MINUTE;
            case 2 -> LimitWindow.DAY;
            default -> null;
        };
        return new Decision(allowed, window, (Long) r.get(2), (Long) r.get(3), micros((Long) r.get(4)), micros((Long) r.get(5)));
    }

    private static Duration micros(long us) {
        return Duration.ofNanos(us * 1_000);
    }

    private String testNow() {
        if (testClock == null) {
            return "";
        }
        Instant now = testClock.instant();
        return Long.toString(TimeUnit.SECONDS.toMicros(now.getEpochSecond()) + now.getNano() / 1_000);
    }

    @Override
    public boolean ready() {
        try (Jedis jedis = pool.getResource()) {
            jedis.ping();
            health.succeeded();
            return true;
        } catch (JedisException e) {
            health.failed(e);
            return false;
        }
    }

    @Override
    public java.util.Optional<java.util.function.LongSupplier> errorCount() {
        return java.util.Optional.of(health::errors);
    }

    @Override
    public void close() {
        closed = true;
        pipeliner.interrupt();
        watchdog.interrupt();
        var closedNow = new IllegalStateException("the rate limiter was closed");
        for (Pending p; (p = queue.poll()) != null; ) {
            p.reply().completeExceptionally(closedNow);
        }
        inFlight.forEach(p -> p.reply().completeExceptionally(closedNow));
        pool.close();
    }

}
