package dev.llmproxy.config;

import dev.llmproxy.auth.TokenRegistry;
import dev.llmproxy.ratelimit.FailureMode;
import dev.llmproxy.routing.Backend;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything the gateway is configured with, parsed and validated once by {@link ConfigLoader}.
 *
 * @param gatewaySecret proves a call came from nginx; without it the sidecar serves only direct clients
 * @param nginxListen what the rendered nginx config listens on ({@code host:port} or a port)
 */
public record Config(
        Backend defaultBackend,
        UpstreamUrl ollama,
        UpstreamUrl vllm,
        Optional<Secret> vllmApiKey,
        TokenRegistry tokens,
        RateLimitStoreKind store,
        Optional<URI> redisUrl,
        RedisSettings redis,
        long maxBodyBytes,
        String sidecarHost,
        int sidecarPort,
        Optional<Secret> gatewaySecret,
        Duration upstreamConnectTimeout,
        Duration upstreamReadTimeout,
        String nginxListen) {

    /**
     * How the Redis store behaves.
     *
     * @param keyPrefix prepended to every key, so several gateways can share one Redis
     * @param timeout bound on any Redis call, including waiting for a pooled connection
     */
    public record RedisSettings(String keyPrefix, FailureMode failureMode, Duration timeout, int poolSize) {}
}
