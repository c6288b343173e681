package dev.llmproxy.ratelimit;

import dev.llmproxy.Resources;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Limits kept in Redis and shared by every sidecar: one {@code EVALSHA} of {@code gcra.lua} per decision,
 * which checks and commits both windows atomically with Redis's clock. When Redis cannot answer within
 * the timeout, the {@link FailureMode} decides; the pool reconnects by itself when Redis is back.
 */
public final class RedisRateLimiter implements RateLimiter, AutoCloseable {
    static final String SCRIPT = Resources.text(RedisRateLimiter.class, "gcra.lua");

    private final JedisPool pool;
    private final String keyPrefix;
    private final FailureMode failureMode;
    private final InstantSource testClock;
    private final StoreHealth health;
    private volatile String sha;

    /**
     * @param testClock null in production (Redis TIME is the clock); tests pass a fake clock instead
     */
    public RedisRateLimiter(JedisPool pool, String keyPrefix, FailureMode failureMode, StoreHealth health, InstantSource testClock) {
        this.pool = pool;
        this.keyPrefix = keyPrefix;
        this.failureMode = failureMode;
        this.health = health;
        this.testClock = testClock;
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
        List<String> args = List.of(Long.toString(quota.rpm()), Long.toString(quota.rpd()), testNow());
        try (Jedis jedis = pool.getResource()) {
            List<?> reply = (List<?>) evaluate(jedis, List.of(keyPrefix + "rl:" + key), args);
            health.succeeded();
            return decision(reply);
        } catch (JedisException e) {
            health.failed(e);
            if (failureMode == FailureMode.OPEN) {
                return Decision.UNCOUNTED;
            }
            throw new StoreUnavailableException(e);
        }
    }

    private Object evaluate(Jedis jedis, List<String> keys, List<String> args) {
        String current = sha;
        if (current == null) {
            current = load(jedis);
        }
        try {
            return jedis.evalsha(current, keys, args);
        } catch (JedisNoScriptException e) {
            // Redis restarted or SCRIPT FLUSH: load it again, once, and carry on.
            return jedis.evalsha(load(jedis), keys, args);
        }
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
        pool.close();
    }

}
