package dev.llmproxy.http;

import dev.llmproxy.authz.Gatekeeper;
import dev.llmproxy.authz.Verdict;
import dev.llmproxy.routing.ModelRef;
import io.javalin.http.Context;

/**
 * Lets a model call through, or refuses it. Behind nginx the request was already checked and counted;
 * called directly, the sidecar authenticates and limits it here, exactly once.
 */
final class Admission {
    private final Gatekeeper gatekeeper;
    private final NginxTrust trust;

    Admission(Gatekeeper gatekeeper, NginxTrust trust) {
        this.gatekeeper = gatekeeper;
        this.trust = trust;
    }

    /** True when nginx already admitted this request. */
    boolean checkedByNginx(Context ctx) {
        return trust.alreadyChecked(ctx);
    }

    /**
     * Admits the request or throws the client-facing refusal; sets the rate-limit headers. Returns the
     * caller's token label (nginx's, when nginx admitted it).
     */
    String admit(Context ctx, ModelRef model) {
        if (trust.alreadyChecked(ctx)) {
            return ctx.header(GatewayHeaders.TOKEN_LABEL);
        }
        Verdict verdict = gatekeeper.decide(ctx.header("Authorization"), model);
        if (!(verdict instanceof Verdict.Allowed allowed)) {
            throw VerdictHeaders.refusal(verdict);
        }
        VerdictHeaders.rateLimit(allowed.decision()).forEach(ctx::header);
        return allowed.token().label();
    }
}
