package dev.llmproxy.http;

import static dev.llmproxy.contract.GatewayHeaders.*;

import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.backends.BackendType;
import dev.llmproxy.backends.Backends;
import dev.llmproxy.backends.ModelRef;
import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.Endpoint;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.contract.GatewayHeaders;
import dev.llmproxy.openai.ModelField;
import dev.llmproxy.relay.BackendRelays;
import io.javalin.http.Context;
import java.util.Optional;

/**
 * The model calls ({@link Endpoint#carriesModel}): authenticates, reads the body once, finds its model, routes,
 * and admits it (allowlist and limits). Ollama calls are translated here. A vLLM call is relayed
 * here when the sidecar is the whole gateway; behind nginx it is handed back to nginx, which sends the body it
 * still holds straight to vLLM (see {@link #handOver}).
 */
final class ModelCallHandler {
    /**
     * The largest body nginx rewrites: its regular expression runs in nginx's event loop at about 4 ns a byte
     * (measured with PCRE2's JIT on this project's benchmark machine: 2 ms for 512 KB), stalling every stream
     * on that worker meanwhile; 16 KB costs it under 0.1 ms. A larger body to rewrite is relayed here.
     */
    static final int NGINX_REWRITE_MAX_BYTES = 16 * 1024;

    private final Admission admission;
    private final Backends backends;
    private final long maxBodyBytes;
    private final BodyBudget bodyBudget;
    private final BackendRelays relays;

    ModelCallHandler(
            Admission admission, Backends backends, long maxBodyBytes, BodyBudget bodyBudget, BackendRelays relays) {
        this.admission = admission;
        this.backends = backends;
        this.maxBodyBytes = maxBodyBytes;
        this.bodyBudget = bodyBudget;
        this.relays = relays;
    }

    void handle(Context ctx, Endpoint endpoint) {
        boolean behindNginx = admission.fromNginx(ctx);
        // The token first, as OpenAI answers (a 401 before anything about the body), and before holding room for
        // or parsing a body nobody is entitled to send: it is read and dropped, so that the refusal reaches the
        // client (nginx, which always sends a length, keeps its connection). The model the allowlist and routing
        // need is in the body: those come after.
        admission.refuseUnrecognised(ctx, () -> RequestBody.discard(ctx, maxBodyBytes));
        byte[] body = RequestBody.read(ctx, maxBodyBytes, bodyBudget);
        ModelField field;
        try {
            field = ModelField.read(body);
        } catch (ModelField.Invalid e) {
            throw new ApiException(e.error());
        }
        if (behindNginx) { // for nginx's access log
            ctx.header(LLM_MODEL, field.model());
        }
        Optional<ModelRef> routed = backends.route(field.model());
        if (routed.isEmpty()) { // refused before it counts: nobody's quota is spent
            throw new ApiException(ErrorCode.MODEL_NOT_FOUND.error(field.model(), "any backend of this gateway"));
        }
        ModelRef model = routed.get();
        if (behindNginx) {
            ctx.header(PROXY_BACKEND, model.backend().name());
        }
        BackendSpec backend = model.backend();
        if (backend.type() != BackendType.OPENAI && !endpoint.translated()) { // refused before it counts
            throw new ApiException(ErrorCode.UNSUPPORTED_ENDPOINT.error(backend.name(), endpoint.path()));
        }
        String tokenLabel = admission.admit(ctx, model);
        switch (backend.type()) {
            case OPENAI -> {
                if (!(behindNginx && handOver(ctx, field, model))) {
                    String query = ctx.queryString();
                    try (var client = JettyClientChannel.open(ctx)) {
                        relays.openai(backend)
                                .forward(
                                        client,
                                        query == null ? ctx.path() : ctx.path() + "?" + query,
                                        field.withModel(model.name()),
                                        RequestIds.of(ctx));
                    }
                }
            }
            case OLLAMA -> {
                try (var client = JettyClientChannel.open(ctx)) {
                    relays.ollama(backend).serve(client, endpoint, field.body(), model, RequestIds.of(ctx), tokenLabel);
                }
            }
            case ECHO -> {
                try (var client = JettyClientChannel.open(ctx)) {
                    relays.echo().serve(client, endpoint, field.body(), model.requested(), RequestIds.of(ctx));
                }
            }
        }
    }

    /**
     * Hands an admitted call to an OpenAI-type backend back to nginx (X-Accel-Redirect to that backend's named
     * location): nginx picks a replica and sends it the
     * body it buffered, untouched or with the model's value replaced by its regular expression, and relays the
     * answer itself. That expression takes the first {@code "model"} key it meets; when a nested one comes
     * first, this call is relayed here instead, so the rewrite is always of the top-level value.
     */
    private static boolean handOver(Context ctx, ModelField field, ModelRef model) {
        boolean rewrite = model.renamed();
        if (rewrite && (field.body().length > NGINX_REWRITE_MAX_BYTES || !field.firstModelKeyIsTopLevel())) {
            return false;
        }
        if (rewrite) {
            ctx.header(UPSTREAM_MODEL, model.name());
        }
        ctx.header(ACCEL_REDIRECT, GatewayHeaders.location(model.backend().name(), rewrite, field.stream()));
        ctx.status(204);
        return true;
    }
}
