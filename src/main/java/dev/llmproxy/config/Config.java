package dev.llmproxy.config;

import dev.llmproxy.auth.TokenRegistry;
import dev.llmproxy.backends.Backends;
import dev.llmproxy.ratelimit.RateLimitStoreKind;
import dev.llmproxy.ratelimit.RedisSettings;
import dev.llmproxy.support.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything the gateway is configured with, parsed and validated once by {@link ConfigLoader}.
 *
 * @param backends the model servers, in priority order, and where each model goes
 * @param bodyMemoryBytes request bodies the sidecar holds at once, at most; 0 for half its heap
 * @param gatewaySecret proves a call came from nginx; without it the sidecar serves only direct clients
 * @param nginx how the rendered nginx front listens and answers browsers
 * @param modelsRefresh how often backends' models are discovered and their replicas probed
 * @param tokensFile where the tokens came from when not TOKENS_JSON: reloaded when it changes
 */
public record Config(
        Backends backends,
        TokenRegistry tokens,
        RateLimitStoreKind store,
        Optional<URI> redisUrl,
        RedisSettings redis,
        long maxBodyBytes,
        long bodyMemoryBytes,
        String sidecarHost,
        int sidecarPort,
        Optional<Secret> gatewaySecret,
        Duration upstreamConnectTimeout,
        Duration upstreamReadTimeout,
        NginxSettings nginx,
        Duration modelsRefresh,
        Optional<java.nio.file.Path> tokensFile) {

    /**
     * The nginx front's own settings, used only when rendering its config.
     *
     * @param listen {@code host:port} or a port; with TLS this is the HTTPS listener
     * @param tls certificate and key files (PEM); empty for plain HTTP
     * @param httpRedirectListen with TLS, an extra plain-HTTP listener that redirects to HTTPS
     * @param corsAllowOrigins browser origins allowed to call the gateway ({@code *} for any); empty for none
     * @param resolver the DNS servers nginx asks for upstream host names while it runs; empty: names are resolved
     *     once, when nginx starts, and one that does not resolve stops it
     */
    public record NginxSettings(
            String listen,
            Optional<Tls> tls,
            Optional<String> httpRedirectListen,
            List<String> corsAllowOrigins,
            Optional<Resolver> resolver) {}

    /**
     * {@code NGINX_RESOLVER}: whom nginx asks for upstream names while it runs.
     *
     * @param servers DNS servers, {@code host[:port]}; empty: those of {@code /etc/resolv.conf} where the config is
     *     rendered ({@code auto}: in a container, the container network's own DNS)
     * @param ipv6 whether IPv6 addresses are asked for too (not on an IPv4-only network: they would fail to connect)
     */
    public record Resolver(List<String> servers, boolean ipv6) {
        public boolean auto() {
            return servers.isEmpty();
        }
    }

    public record Tls(String certificateFile, String keyFile) {}
}
