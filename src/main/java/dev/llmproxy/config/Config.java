package dev.llmproxy.config;

import dev.llmproxy.auth.TokenRegistry;
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
        long maxBodyBytes,
        String sidecarHost,
        int sidecarPort,
        Optional<Secret> gatewaySecret,
        Duration upstreamConnectTimeout,
        Duration upstreamReadTimeout,
        String nginxListen) {

    /** A copy listening on another port (tests take free ports). */
    public Config withSidecarPort(int port) {
        return new Config(defaultBackend, ollama, vllm, vllmApiKey, tokens, store, redisUrl, maxBodyBytes,
                sidecarHost, port, gatewaySecret, upstreamConnectTimeout, upstreamReadTimeout, nginxListen);
    }
}
