package dev.llmproxy.http;

import static dev.llmproxy.http.GatewayHeaders.*;

import dev.llmproxy.authz.Gatekeeper;
import dev.llmproxy.authz.Verdict;
import dev.llmproxy.openai.OpenAiError;
import dev.llmproxy.routing.Backend;
import dev.llmproxy.routing.ModelRef;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.Map;

/**
 * {@code GET /internal/authz}, nginx's {@code auth_request}. Answers only 204, 401 or 403, the statuses
 * auth_request passes on (any other becomes a 500), with the decision in headers.
 */
final class AuthzHandler implements Handler {
    private final Gatekeeper gatekeeper;
    private final NginxTrust trust;
    private final Backend defaultBackend;

    AuthzHandler(Gatekeeper gatekeeper, NginxTrust trust, Backend defaultBackend) {
        this.gatekeeper = gatekeeper;
        this.trust = trust;
        this.defaultBackend = defaultBackend;
    }

    @Override
    public void handle(Context ctx) {
        if (!trust.fromNginx(ctx)) {
            throw new ApiException(OpenAiError.forbidden("untrusted_caller", "This endpoint only answers the gateway's nginx."));
        }
        String model = ctx.header(LLM_MODEL);
        ModelRef ref = null;
        if (model != null && !model.isEmpty()) {
            if (!ModelRef.isValid(model)) {
                refuse(ctx, REASON_INVALID_MODEL, OpenAiError.invalidModel().message(), Map.of());
                return;
            }
            ref = ModelRef.parse(model, defaultBackend);
        }
        Verdict verdict = gatekeeper.decide(ctx.header("Authorization"), ref);
        switch (verdict) {
            case Verdict.Allowed a -> {
                ctx.header(PROXY_BACKEND, a.backend() == null ? BACKEND_SIDECAR : a.backend().wireName());
                ctx.header(TOKEN_LABEL, a.token().label());
                VerdictHeaders.rateLimit(a.decision()).forEach(ctx::header);
                ctx.status(204);
            }
            case Verdict.Unauthenticated u -> {
                ctx.header(WWW_AUTHENTICATE, VerdictHeaders.WWW_AUTHENTICATE_VALUE);
                ctx.header(AUTHZ_MESSAGE, u.message());
                ctx.status(401);
            }
            case Verdict.Forbidden f -> {
                ctx.header(TOKEN_LABEL, f.token().label());
                refuse(ctx, REASON_MODEL_NOT_ALLOWED, f.message(), Map.of());
            }
            case Verdict.StoreUnavailable s -> {
                // Outside auth_request's 2xx/401/403: nginx answers its own 503 JSON with Retry-After.
                ctx.header(TOKEN_LABEL, s.token().label());
                ctx.status(503);
            }
            case Verdict.RateLimited r -> {
                ctx.header(TOKEN_LABEL, r.token().label());
                // 403, not 429: auth_request turns any status but 2xx/401/403 into a 500. nginx makes it a 429.
                refuse(ctx, REASON_RATE_LIMITED, VerdictHeaders.rateLimitMessage(r.token().label(), r.decision()),
                        VerdictHeaders.rateLimit(r.decision()));
            }
        }
    }

    private static void refuse(Context ctx, String reason, String message, Map<String, String> headers) {
        ctx.header(AUTHZ_REASON, reason);
        ctx.header(AUTHZ_MESSAGE, message);
        headers.forEach(ctx::header);
        ctx.status(403);
    }
}
