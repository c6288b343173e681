package dev.llmproxy.http;

import static dev.llmproxy.http.GatewayHeaders.*;

import dev.llmproxy.authz.Gatekeeper;
import dev.llmproxy.authz.Verdict;
import dev.llmproxy.openai.OpenAiError;
import dev.llmproxy.routing.Backend;
import dev.llmproxy.routing.ModelRef;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code GET /internal/authz}, nginx's {@code auth_request}, served on Jetty's core API ahead of Javalin:
 * nginx calls it on every model call, so it skips the servlet and routing layers (measured: see the
 * README's benchmark). Everything else passes through to Javalin. Answers only 204, 401 or 403, the
 * statuses auth_request passes on (any other becomes a 500), with the decision in headers; 503 when
 * the limit store is down in closed mode, which nginx turns into its own 503 JSON.
 */
final class AuthzEndpoint extends Handler.Wrapper {
    static final String PATH = "/internal/authz";

    private final Gatekeeper gatekeeper;
    private final NginxTrust trust;
    private final Backend defaultBackend;

    AuthzEndpoint(Gatekeeper gatekeeper, NginxTrust trust, Backend defaultBackend) {
        this.gatekeeper = gatekeeper;
        this.trust = trust;
        this.defaultBackend = defaultBackend;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!PATH.equals(Request.getPathInContext(request))) {
            return super.handle(request, response, callback);
        }
        HttpFields in = request.getHeaders();
        HttpFields.Mutable out = response.getHeaders();
        if (!"GET".equals(request.getMethod())) {
            return error(response, callback, OpenAiError.methodNotAllowed(request.getMethod(), PATH));
        }
        if (!trust.fromNginx(in.get(GATEWAY_SECRET))) {
            return error(response, callback, OpenAiError.forbidden("untrusted_caller", "This endpoint only answers the gateway's nginx."));
        }
        String model = in.get(LLM_MODEL);
        ModelRef ref = null;
        if (model != null && !model.isEmpty()) {
            if (!ModelRef.isValid(model)) {
                return refuse(response, callback, REASON_INVALID_MODEL, OpenAiError.invalidModel().message(), Map.of());
            }
            ref = ModelRef.parse(model, defaultBackend);
        }
        switch (gatekeeper.decide(in.get(HttpHeader.AUTHORIZATION), ref)) {
            case Verdict.Allowed a -> {
                out.put(PROXY_BACKEND, a.backend() == null ? BACKEND_SIDECAR : a.backend().wireName());
                out.put(TOKEN_LABEL, a.token().label());
                VerdictHeaders.rateLimit(a.decision()).forEach(out::put);
                return finish(response, callback, 204);
            }
            case Verdict.Unauthenticated u -> {
                out.put(WWW_AUTHENTICATE, VerdictHeaders.WWW_AUTHENTICATE_VALUE);
                out.put(AUTHZ_MESSAGE, u.message());
                return finish(response, callback, 401);
            }
            case Verdict.Forbidden f -> {
                out.put(TOKEN_LABEL, f.token().label());
                return refuse(response, callback, REASON_MODEL_NOT_ALLOWED, f.message(), Map.of());
            }
            case Verdict.RateLimited r -> {
                out.put(TOKEN_LABEL, r.token().label());
                // 403, not 429: auth_request turns any status but 2xx/401/403 into a 500. nginx makes it a 429.
                return refuse(response, callback, REASON_RATE_LIMITED, VerdictHeaders.rateLimitMessage(r.token().label(), r.decision()),
                        VerdictHeaders.rateLimit(r.decision()));
            }
            case Verdict.StoreUnavailable s -> {
                out.put(TOKEN_LABEL, s.token().label());
                return finish(response, callback, 503);
            }
        }
    }

    private static boolean refuse(Response response, Callback callback, String reason, String message, Map<String, String> headers) {
        HttpFields.Mutable out = response.getHeaders();
        out.put(AUTHZ_REASON, reason);
        out.put(AUTHZ_MESSAGE, message);
        headers.forEach(out::put);
        return finish(response, callback, 403);
    }

    private static boolean finish(Response response, Callback callback, int status) {
        response.setStatus(status);
        response.write(true, null, callback);
        return true;
    }

    private static boolean error(Response response, Callback callback, OpenAiError error) {
        response.setStatus(error.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(error.toJson()), callback);
        return true;
    }
}
