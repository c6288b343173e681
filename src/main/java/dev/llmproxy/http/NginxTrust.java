package dev.llmproxy.http;

import dev.llmproxy.contract.GatewayHeaders;
import dev.llmproxy.support.Secret;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Recognises calls from our nginx: they carry the shared secret, compared in constant time, once per request
 * (the answer is kept on the request for the handlers and the error mapping that ask again).
 */
final class NginxTrust {
    private static final String ATTRIBUTE = "llmproxy.fromNginx";
    private final byte[] secret;

    NginxTrust(Optional<Secret> secret) {
        this.secret =
                secret.map(s -> s.value().getBytes(StandardCharsets.UTF_8)).orElse(null);
    }

    boolean fromNginx(Context ctx) {
        Boolean known = ctx.attribute(ATTRIBUTE);
        if (known == null) {
            String presented = ctx.header(GatewayHeaders.GATEWAY_SECRET);
            known = secret != null
                    && presented != null
                    && MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8));
            ctx.attribute(ATTRIBUTE, known);
        }
        return known;
    }
}
