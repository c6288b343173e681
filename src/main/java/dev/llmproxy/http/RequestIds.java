package dev.llmproxy.http;

import dev.llmproxy.contract.GatewayHeaders;
import io.javalin.http.Context;
import java.util.UUID;
import java.util.regex.Pattern;

/** The request's id: nginx's (or a well-formed one the client sent), else a new one. */
final class RequestIds {
    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final String ATTRIBUTE = "llmproxy.requestId";

    private RequestIds() {}

    static String of(Context ctx) {
        String id = ctx.attribute(ATTRIBUTE);
        if (id == null) {
            String given = ctx.header(GatewayHeaders.REQUEST_ID);
            id = given != null && WELL_FORMED.matcher(given).matches()
                    ? given
                    : UUID.randomUUID().toString().replace("-", "");
            ctx.attribute(ATTRIBUTE, id);
        }
        return id;
    }
}
