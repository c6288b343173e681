package dev.llmproxy.http;

import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The sidecar speaks plain HTTP/1.1 only: a request asking to switch protocols is served as the ordinary
 * request it also is (RFC 9110 section 7.8 lets a server ignore Upgrade, and nginx drops it on the way here).
 * Without this, Javalin takes any request carrying {@code Sec-WebSocket-Version} for a WebSocket handshake and
 * answers it with Jetty's HTML 404 page and a session cookie.
 */
final class PlainHttpOnly extends Handler.Wrapper {
    private static final Set<String> UPGRADE_HEADERS = Set.of(
            "upgrade",
            "sec-websocket-version",
            "sec-websocket-key",
            "sec-websocket-extensions",
            "sec-websocket-protocol");

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        HttpFields headers = request.getHeaders();
        if (!headers.contains(HttpHeader.SEC_WEBSOCKET_VERSION) && !headers.contains(HttpHeader.UPGRADE)) {
            return super.handle(request, response, callback);
        }
        HttpFields.Mutable kept = HttpFields.build();
        for (HttpField field : headers) {
            if (!UPGRADE_HEADERS.contains(field.getLowerCaseName())) {
                kept.add(field);
            }
        }
        HttpFields without = kept.asImmutable();
        return super.handle(
                new Request.Wrapper(request) {
                    @Override
                    public HttpFields getHeaders() {
                        return without;
                    }
                },
                response,
                callback);
    }
}
