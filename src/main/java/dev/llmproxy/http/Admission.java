package dev.llmproxy.http;

import dev.llmproxy.authz.Gatekeeper;
import dev.llmproxy.authz.Verdict;
import dev.llmproxy.backends.ModelRef;
import dev.llmproxy.contract.GatewayHeaders;
import dev.llmproxy.contract.VerdictHeaders;
import io.javalin.http.Context;
import java.util.Optional;

/**
 * Lets a call through, or refuses it: authenticates and limits the request, exactly once, whether the
 * client called the sidecar directly or through nginx. Behind nginx, the caller's label also goes into the
 * answer's headers, for nginx's access log (nginx keeps them from the client).
 */
final class Admission {
    private final Gatekeeper gatekeeper;
    private final NginxTrust trust;

    Admission(Gatekeeper gatekeeper, NginxTrust trust) {
        this.gatekeeper = gatekeeper;
        this.trust = trust;
    }

    /** True when the request came through our nginx (it carries the shared secret). */
    boolean fromNginx(Context ctx) {
        return trust.fromNginx(ctx);
    }

    /**
     * Refuses a request that presents no registered token (after {@code beforeRefusing}), deciding and counting
     * nothing for one that does: its admission comes once its model is known.
     */
    void refuseUnrecognised(Context ctx, Runnable beforeRefusing) {
        var refusal = gatekeeper.unrecognised(ctx.header("Authorization"));
        if (refusal.isPresent()) {
            beforeRefusing.run();
            throw VerdictHeaders.refusal(refusal.get());
        }
    }

    /**
     * Admits the request or throws the client-facing refusal; sets the rate-limit headers. Returns the
     * caller's token label.
     */
    String admit(Context ctx, ModelRef model) {
        return answer(ctx, gatekeeper.decide(ctx.header("Authorization"), model));
    }

    /**
     * Admits a request that costs no model time (listing models) or throws the 401: it is not counted against
     * the token's limits, so it is never refused for them, and its answer has no rate-limit headers.
     */
    dev.llmproxy.auth.Token admitUncounted(Context ctx) {
        Verdict verdict = gatekeeper.admitUncounted(ctx.header("Authorization"));
        answer(ctx, verdict);
        return ((Verdict.Allowed) verdict).token(); // answer threw for any other
    }

    private String answer(Context ctx, Verdict verdict) {
        if (fromNginx(ctx)) {
            label(verdict).ifPresent(label -> ctx.header(GatewayHeaders.TOKEN_LABEL, label));
        }
        if (!(verdict instanceof Verdict.Allowed allowed)) {
            throw VerdictHeaders.refusal(verdict);
        }
        VerdictHeaders.rateLimit(allowed.decision()).forEach(ctx::header);
        return allowed.token().label();
    }

    private static Optional<String> label(Verdict verdict) {
        return Optional.ofNullable(
                switch (verdict) {
                    case Verdict.Allowed a -> a.token().label();
                    case Verdict.Forbidden f -> f.token().label();
                    case Verdict.RateLimited r -> r.token().label();
                    case Verdict.StoreUnavailable s -> s.token().label();
                    case Verdict.Unauthenticated u -> null;
                });
    }
}
