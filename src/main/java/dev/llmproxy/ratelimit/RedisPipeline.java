package dev.llmproxy.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Runs one Lua script for many callers, in batches: callers queue their calls, and one platform thread sends
 * whatever is queued as one pipeline on one connection and hands each reply back. Under load a batch holds
 * many calls, so Redis and the sidecar pay one read and one write for all of them; with one call at a time
 * a batch is that one call. Each {@code EVALSHA} stays atomic.
 *
 * <p>A call is answered by the time its deadline passes: with the script's reply, the error Redis gave it,
 * or a {@link TimeoutException} ({@link RedisPipelineWatchdog}).
 */
final class RedisPipeline implements AutoCloseable {
    /** More than this in one batch waits for the next: bounds one pipeline's buffers and latency. */
    private static final int MAX_BATCH = 256;

    private final RedisClient redis;
    private final String script;
    private final long timeoutNanos;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread sender;
    private final RedisPipelineWatchdog watchdog;
    /** The batch being sent, for the watchdog. */
    private volatile List<Pending> inFlight = List.of();

    private volatile boolean closed;
    private volatile String sha;

    /** A call waiting for its batch: the script's key and arguments, and where its reply goes. */
    private record Pending(String key, List<String> args, long deadline, CompletableFuture<List<?>> reply) {}

    /** @param timeout how long a call may wait for Redis (the client's socket timeout should be the same) */
    RedisPipeline(RedisClient redis, String script, Duration timeout) {
        this.redis = redis;
        this.script = script;
        this.timeoutNanos = timeout.toNanos();
        this.sender = Thread.ofPlatform().name("redis-pipeline").daemon().start(this::run);
        this.watchdog = new RedisPipelineWatchdog(timeout, this::expire);
    }

    /** Queues one {@code EVALSHA} of the script; its reply is the script's, a list. */
    CompletableFuture<List<?>> evalsha(String key, List<String> args) {
        var pending = new Pending(key, args, System.nanoTime() + timeoutNanos, new CompletableFuture<>());
        queue.add(pending);
        if (closed) { // checked after the add: a close() that drained the queue before it was added is seen here
            pending.reply().completeExceptionally(new IllegalStateException("the rate limiter was closed"));
        }
        return pending.reply();
    }

    /** The sending thread: takes what is queued, sends it as one batch, hands out the replies, again. */
    private void run() {
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
                // Its caller stopped waiting, or is about to: not sent, so never counted behind its back.
                batch.removeIf(p -> p.reply().isDone() || timeOut(p, now + margin));
                if (!batch.isEmpty()) {
                    inFlight = List.copyOf(batch);
                    send(batch);
                }
            } catch (Throwable t) {
                // Redis down, slow or gone mid-batch, or anything else: it fails every call of this batch
                // not yet answered, never the thread.
                batch.forEach(p -> p.reply().completeExceptionally(t));
            } finally {
                inFlight = List.of();
                batch.clear();
            }
        }
    }

    /** The watchdog's round: fails every call, queued or sent, whose deadline has come by {@code now}. */
    private void expire(long now) {
        for (Pending p : queue) {
            timeOut(p, now);
        }
        for (Pending p : inFlight) {
            timeOut(p, now);
        }
    }

    /** Fails {@code p} if its deadline comes before {@code now}; true when it did. */
    private boolean timeOut(Pending p, long now) {
        return now - p.deadline() >= 0
                && p.reply()
                        .completeExceptionally(new TimeoutException("Redis did not answer within "
                                + Duration.ofNanos(timeoutNanos).toMillis() + " ms"));
    }

    /** Sends one batch and answers each of its calls; throws when Redis cannot be asked. */
    private void send(List<Pending> batch) {
        String current = sha != null ? sha : load();
        List<Object> replies = evaluate(batch, current);
        List<Pending> unknown = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            if (replies.get(i) instanceof JedisNoScriptException) {
                unknown.add(batch.get(i));
            } else {
                deliver(batch.get(i), replies.get(i)); // counted: answered now, whatever happens next
            }
        }
        if (!unknown.isEmpty()) {
            // Redis restarted or SCRIPT FLUSH: load it again, once, and send again exactly the calls
            // answered NOSCRIPT (answered before anything ran).
            List<Object> again = evaluate(unknown, load());
            for (int i = 0; i < unknown.size(); i++) {
                deliver(unknown.get(i), again.get(i));
            }
        }
    }

    private static void deliver(Pending p, Object reply) {
        if (reply instanceof List<?> list) {
            p.reply().complete(list);
        } else {
            p.reply()
                    .completeExceptionally(
                            reply instanceof Exception e
                                    ? e
                                    : new IllegalStateException("not the script's answer: " + reply));
        }
    }

    /** One pipeline: every EVALSHA written, then every reply read; a command's own error is its reply. */
    private List<Object> evaluate(List<Pending> batch, String sha) {
        List<Response<Object>> responses = new ArrayList<>(batch.size());
        try (Pipeline p = redis.pipelined()) {
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

    private String load() {
        String loaded = redis.scriptLoad(script);
        sha = loaded;
        return loaded;
    }

    /** Stops both threads and fails every call not yet answered; the client stays open (not ours). */
    @Override
    public void close() {
        closed = true;
        sender.interrupt();
        watchdog.close();
        var closedNow = new IllegalStateException("the rate limiter was closed");
        for (Pending p; (p = queue.poll()) != null; ) {
            p.reply().completeExceptionally(closedNow);
        }
        inFlight.forEach(p -> p.reply().completeExceptionally(closedNow));
    }
}
