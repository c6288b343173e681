package dev.llmproxy.http;

import dev.llmproxy.config.Secret;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** Recognises calls from our nginx: they carry the shared secret, compared in constant time. */
final class NginxTrust {
    private final byte[] secret;

    NginxTrust(Optional<Secret> secret) {
        this.secret = secret.map(s -> s.value().getBytes(StandardCharsets.UTF_8)).orElse(null);
    }

    boolean fromNginx(Context ctx) {
        String presented = ctx.header(GatewayHeaders.GATEWAY_SECRET);
        return secret != null && presented != null
                && MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8));
    }
}
