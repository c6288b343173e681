package dev.llmproxy.http;

import dev.llmproxy.contract.GatewayHeaders;
import dev.llmproxy.relay.ModelListing;
import dev.llmproxy.support.Json;
import io.javalin.http.Context;
import io.javalin.http.Handler;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{model}} (the SDKs' {@code models.retrieve}): authenticated, but
 * not counted against the token's limits nor refused for them (SDKs and frameworks list models at start-up, and
 * a listing costs no model time), then answered from {@link ModelListing}.
 */
final class ModelsHandler implements Handler {
    private final Admission admission;
    private final ModelListing listing;

    ModelsHandler(Admission admission, ModelListing listing) {
        this.admission = admission;
        this.listing = listing;
    }

    @Override
    public void handle(Context ctx) {
        if (admission.fromNginx(ctx)) {
            ctx.header(GatewayHeaders.PROXY_BACKEND, GatewayHeaders.BACKEND_SIDECAR); // for nginx's access log
        }
        var token = admission.admitUncounted(ctx); // a token sees only the models it may use
        String id = ctx.pathParamMap().get("model");
        if (id == null) {
            ctx.contentType("application/json").result(Json.bytes(listing.list(token.models()::allows)));
            return;
        }
        ctx.contentType("application/json")
                .result(Json.bytes(listing.retrieve(id, token.models()::allows, token.label())));
    }
}
