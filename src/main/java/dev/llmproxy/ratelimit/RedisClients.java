package dev.llmproxy.ratelimit;

import java.net.URI;
import java.time.Duration;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.InvalidURIException;
import redis.clients.jedis.util.JedisURIHelper;

/** Builds the pooled Redis client a {@link RedisRateLimiter} talks through. */
public final class RedisClients {
    private RedisClients() {}

    /**
     * A client whose pool is sized for many concurrent (virtual-thread) requests, where no wait outlasts
     * {@code timeout}. Lazy: it connects on first use, so start-up with Redis down follows the failure mode.
     * User, password, database, protocol and {@code rediss://} come from the URL.
     */
    public static RedisClient pooled(URI redisUrl, Duration timeout, int maxConnections) {
        if (!JedisURIHelper.isValid(redisUrl)) {
            throw new InvalidURIException("Cannot open Redis connection due invalid URI. " + redisUrl);
        }
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(maxConnections);
        pool.setMaxIdle(maxConnections);
        pool.setMinIdle(0);
        pool.setMaxWait(timeout);
        pool.setJmxEnabled(false);
        pool.setTestOnBorrow(false); // a broken connection fails the call, is discarded, and the next one is fresh
        int ms = (int) timeout.toMillis();
        var client = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(ms)
                .socketTimeoutMillis(ms)
                .user(JedisURIHelper.getUser(redisUrl))
                .password(JedisURIHelper.getPassword(redisUrl))
                .database(JedisURIHelper.getDBIndex(redisUrl))
                .protocol(JedisURIHelper.getRedisProtocol(redisUrl))
                .ssl(JedisURIHelper.isRedisSSLScheme(redisUrl))
                .build();
        return RedisClient.builder()
                .hostAndPort(new HostAndPort(redisUrl.getHost(), redisUrl.getPort()))
                .clientConfig(client)
                .poolConfig(pool)
                .build();
    }
}
