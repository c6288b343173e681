package dev.llmproxy.http;

import dev.llmproxy.contract.GatewayHeaders;
import dev.llmproxy.relay.ModelListing;
import dev.llmproxy.support.Json;
import io.javalin.http.Context;
import io.javalin.http.Handler;

/** {@code GET /v1/models}: admitted like any call (it counts against the token's limits), then {@link ModelListing}. */
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
        admission.admit(ctx, null);
        ctx.contentType("application/json").result(Json.bytes(listing.list()));
    }
}
