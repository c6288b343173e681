package dev.llmproxy.http;

import dev.llmproxy.relay.ClientChannel;
import dev.llmproxy.relay.ClientGone;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * A relay's view of the Javalin request it answers: headers and a whole answer through the {@link Context},
 * a streamed one straight on the servlet's output stream, and the client's departure from a {@link ClientWatch}.
 * Close it before the handler returns: the watch must stop reading the connection first.
 */
final class JettyClientChannel implements ClientChannel, AutoCloseable {
    private final Context ctx;
    private final ClientWatch watch;

    private JettyClientChannel(Context ctx, ClientWatch watch) {
        this.ctx = ctx;
        this.watch = watch;
    }

    static JettyClientChannel open(Context ctx) {
        return new JettyClientChannel(ctx, ClientWatch.start(ctx));
    }

    @Override
    public void header(String name, String value) {
        ctx.header(name, value);
    }

    @Override
    public void answer(int status, String contentType, byte[] body) {
        ctx.status(status).contentType(contentType).result(body);
    }

    @Override
    public OutputStream start(int status, String contentType, Map<String, String> headers) {
        ctx.status(status);
        ctx.res().setContentType(contentType);
        headers.forEach(ctx.res()::setHeader);
        try {
            OutputStream out = ctx.res().getOutputStream();
            out.flush();
            return out;
        } catch (IOException e) {
            throw new ClientGone();
        }
    }

    @Override
    public String requestHeader(String name) {
        return ctx.header(name);
    }

    @Override
    public boolean gone() {
        return watch.gone();
    }

    @Override
    public void onGone(Runnable action) {
        watch.onGone(action);
    }

    @Override
    public void close() {
        watch.close();
        if (watch.readAhead() && !ctx.res().isCommitted()) {
            ctx.header("Connection", "close");
        }
    }
}
