package dev.llmproxy.ratelimit;

import dev.llmproxy.support.Resources;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Limits kept in Redis and shared by every sidecar: one {@code EVALSHA} of {@code gcra.lua} per decision,
 * which checks and commits both windows atomically with Redis's clock. When Redis cannot answer within
 * the timeout, the {@link FailureMode} decides; the client's pool reconnects by itself when Redis is back.
 *
 * <p>Decisions go through a {@link RedisPipeline}, batched with those of other requests. Each
 * {@code EVALSHA} stays atomic, so limits stay exact across sidecars. (Measured in bench/limiter.sh,
 * figures in the README: a blocking round trip per decision on the request's virtual thread cost the
 * sidecar about four times the memory store's CPU per decision.)
 */
public final class RedisRateLimiter implements RateLimiter, AutoCloseable {
    static final String SCRIPT = Resources.text(RedisRateLimiter.class, "gcra.lua");

    private final RedisClient redis;
    private final String keyPrefix;
    private final FailureMode failureMode;
    private final StoreHealth health;
    private final RedisClock clock;
    private final RedisPipeline pipeline;

    /**
     * A limiter on Redis's own clock.
     *
     * @param redis   from {@link RedisClients#pooled}; closed with this limiter
     * @param timeout how long a decision may wait for Redis (the client's socket timeout should be the same)
     */
    public RedisRateLimiter(
            RedisClient redis, Duration timeout, String keyPrefix, FailureMode failureMode, StoreHealth health) {
        this(redis, timeout, keyPrefix, failureMode, health, RedisClock.SERVER_TIME);
    }

    /** @param clock the script's notion of now; tests pass one they move */
    RedisRateLimiter(
            RedisClient redis,
            Duration timeout,
            String keyPrefix,
            FailureMode failureMode,
            StoreHealth health,
            RedisClock clock) {
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.failureMode = failureMode;
        this.health = health;
        this.clock = clock;
        this.pipeline = new RedisPipeline(redis, SCRIPT, timeout);
    }

    @Override
    public Decision acquire(String key, Quota quota) {
        if (quota.unlimited()) {
            return Decision.UNLIMITED; // nothing to count: no round trip
        }
        CompletableFuture<List<?>> pending = pipeline.evalsha(
                keyPrefix + "rl:" + key,
                List.of(Long.toString(quota.rpm()), Long.toString(quota.rpd()), clock.nowArgument()));
        List<?> reply;
        try {
            // Untimed: the pipeline's watchdog ends the wait at the deadline. (A timed wait costs each decision a
            // timer.)
            reply = pending.get();
        } catch (ExecutionException e) {
            return failed(e.getCause() instanceof Exception c ? c : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pending.cancel(false);
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

    private static Decision decision(List<?> r) {
        boolean allowed = (Long) r.get(0) == 1L;
        LimitWindow window = switch (((Long) r.get(1)).intValue()) {
            case 1 -> LimitWindow.MINUTE;
            case 2 -> LimitWindow.DAY;
            default -> null;
        };
        return new Decision(
                allowed, window, (Long) r.get(2), (Long) r.get(3), micros((Long) r.get(4)), micros((Long) r.get(5)));
    }

    private static Duration micros(long us) {
        return Duration.ofNanos(us * 1_000);
    }

    @Override
    public boolean ready() {
        try {
            redis.ping();
            health.succeeded();
            return true;
        } catch (JedisException e) {
            health.failed(e);
            return false;
        }
    }

    @Override
    public Optional<LongSupplier> errorCount() {
        return Optional.of(health::errors);
    }

    @Override
    public void close() {
        pipeline.close();
        redis.close();
    }
}
