package dev.llmproxy.cli;

import dev.llmproxy.config.Config;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** {@code check-config}: validates the configuration and prints what it amounts to. */
public final class CheckConfig {
    private CheckConfig() {}

    public static void run(String[] args) throws IOException {
        Options.parse(args, Set.of());
        Config config = ConfigSource.loadAndWarn();
        System.out.println(summary(config));
    }

    static String summary(Config c) {
        return "configuration OK: " + c.tokens().all().size() + " token(s), backends "
                + c.backends().describe()
                + ", default backend " + c.backends().defaultName() + ", store "
                + c.store().name().toLowerCase(Locale.ROOT) + ", sidecar " + c.sidecarHost() + ":" + c.sidecarPort()
                + (c.gatewaySecret().isPresent() ? ", nginx secret set" : ", no nginx secret (direct clients only)")
                + ", nginx on " + c.nginx().listen() + (c.nginx().tls().isPresent() ? " (TLS)" : "")
                + ", resolver " + resolver(c.nginx().resolver());
    }

    /** As NGINX_RESOLVER says it: off, auto or the servers, and ipv6=off. */
    private static String resolver(Optional<Config.Resolver> resolver) {
        return resolver.map(r -> (r.auto() ? "auto" : String.join(" ", r.servers())) + (r.ipv6() ? "" : " ipv6=off"))
                .orElse("off");
    }
}
