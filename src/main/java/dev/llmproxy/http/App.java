package dev.llmproxy.http;

import dev.llmproxy.auth.Tokens;
import dev.llmproxy.authz.Gatekeeper;
import dev.llmproxy.backends.Discovery;
import dev.llmproxy.config.Config;
import dev.llmproxy.config.TokensFile;
import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.Endpoint;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.contract.GatewayHeaders;
import dev.llmproxy.contract.OpenAiError;
import dev.llmproxy.metrics.Metrics;
import dev.llmproxy.ratelimit.RateLimiter;
import dev.llmproxy.relay.BackendRelays;
import dev.llmproxy.relay.ModelListing;
import dev.llmproxy.relay.UpstreamModels;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.Key;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the sidecar's routes. Returns an unstarted server: {@code Main} starts it, tests start it on a free port. */
public final class App {
    private static final Logger LOG = LoggerFactory.getLogger(App.class);

    /** How long a stopping sidecar waits for calls in progress (a stream still running then is cut). */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private static final Key<Discovery> DISCOVERY = new Key<>("llmproxy.discovery");
    private static final Key<Optional<TokensFile>> TOKENS_FILE = new Key<>("llmproxy.tokensFile");

    private App() {}

    /** The model discovery of a server {@link #create} built: tests refresh it instead of waiting. */
    public static Discovery discovery(Javalin app) {
        return app.unsafe.appDataManager.get(DISCOVERY);
    }

    /** The tokens file a server {@link #create} built reloads, if its tokens come from one (SIGHUP, tests). */
    public static Optional<TokensFile> tokensFile(Javalin app) {
        return app.unsafe.appDataManager.get(TOKENS_FILE);
    }

    public static Javalin create(Config config, RateLimiter limiter) {
        var metrics = new Metrics();
        limiter.errorCount().ifPresent(metrics::storeErrors);
        var tokens = new Tokens(config.tokens());
        var tokensFile = config.tokensFile().map(path -> new TokensFile(path, tokens));
        var gatekeeper = new Gatekeeper(tokens, limiter, metrics);
        var trust = new NginxTrust(config.gatewaySecret());
        var relays = new BackendRelays(
                config.backends(), config.upstreamConnectTimeout(), config.upstreamReadTimeout(), metrics);
        var admission = new Admission(gatekeeper, trust);
        // At least room for one largest body (it counts twice), whatever the heap.
        var bodyBudget = new BodyBudget(Math.max(
                2 * config.maxBodyBytes(),
                config.bodyMemoryBytes() > 0
                        ? config.bodyMemoryBytes()
                        : Runtime.getRuntime().maxMemory() / 2));
        metrics.bodyBudget(bodyBudget::available, bodyBudget::refusals);
        metrics.replicas(relays::load);
        var modelCalls = new ModelCallHandler(admission, config.backends(), config.maxBodyBytes(), bodyBudget, relays);
        // Listing models is quick: bounded like connecting, not like generating.
        var upstreamModels =
                new UpstreamModels(config.backends(), config.upstreamConnectTimeout(), config.upstreamConnectTimeout());
        var discovery = new Discovery(config.backends(), upstreamModels, Clock.systemUTC());
        metrics.backends(discovery::statuses);
        var health = new HealthHandlers(limiter, config.redis().failureMode(), discovery::statuses);

        return Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.concurrency.useVirtualThreads = true;
            // Streams must reach the client as written: no gzip buffering in between.
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.http.prefer405over404 = true;
            cfg.appData(DISCOVERY, discovery);
            cfg.appData(TOKENS_FILE, tokensFile);
            // Before the first call is accepted, so that unprefixed models route by what the backends serve.
            cfg.events.serverStarting(() -> {
                discovery.start(config.modelsRefresh());
                tokensFile.ifPresent(TokensFile::start);
            });
            cfg.events.serverStopped(() -> {
                discovery.close();
                tokensFile.ifPresent(TokensFile::close);
                upstreamModels.close();
                relays.close(); // their kept connections
            });
            // Jetty remembers header fields per connection and by default hands a remembered one back for a
            // later value that differs only in case: on nginx's shared connections, `Bearer abc` would then
            // authenticate `Bearer ABC` with abc's label. Case-sensitive, every value is the one this request sent.
            cfg.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheCaseSensitive(true));
            cfg.jetty.addConnector((server, httpConfig) -> {
                var http = new HttpConnectionFactory(httpConfig);
                // Prompts are large (often hundreds of KB): read them in 64 KB pieces, not Jetty's default 8 KB.
                http.setInputBufferSize(64 * 1024);
                var connector = new ServerConnector(server, http);
                connector.setHost(config.sidecarHost());
                connector.setPort(config.sidecarPort());
                // Bursts of clients (or nginx opening many upstream connections at once) must queue, not be reset.
                connector.setAcceptQueueSize(4096);
                // A model may think longer than Jetty's default 30 s before its next token.
                connector.setIdleTimeout(config.upstreamReadTimeout().toMillis() + 5_000);
                return connector;
            });

            var errorPages = new JsonErrorPages(config.maxBodyBytes());
            cfg.jetty.modifyServer(server -> {
                server.setErrorHandler(errorPages);
                // Stopping, the sidecar lets calls in progress finish (up to STOP_TIMEOUT) and answers new ones
                // 503 + Retry-After, which nginx passes on: none reaches a servlet context that is going away
                // (that was a 500). Javalin attaches its servlet inside the innermost wrapper.
                server.setStopTimeout(STOP_TIMEOUT.toMillis());
                server.setHandler(new GracefulHandler(new PlainHttpOnly()));
            });
            cfg.jetty.modifyServletContextHandler(context -> context.setErrorHandler(errorPages));
            for (Endpoint endpoint : Endpoint.values()) {
                if (endpoint.carriesModel()) {
                    cfg.routes.post(endpoint.path(), ctx -> modelCalls.handle(ctx, endpoint));
                }
            }
            var models = new ModelsHandler(admission, new ModelListing(config.backends(), discovery));
            cfg.routes.get(Endpoint.MODELS.path(), models);
            cfg.routes.get(Endpoint.MODEL.path(), models);
            // HEAD too, or the web server answers it itself, 200 without asking for a key.
            cfg.routes.head(Endpoint.MODELS.path(), models);
            cfg.routes.head(Endpoint.MODEL.path(), models);
            cfg.routes.get("/healthz", health::alive);
            cfg.routes.get("/readyz", health::ready);
            // Not routed by nginx: scraped on the sidecar's own (private) address.
            cfg.routes.get(
                    "/metrics",
                    ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                            .result(metrics.render()));

            // Every answer names its request, as nginx's do (nginx replaces this one with its own, the same id).
            cfg.routes.before(ctx -> ctx.header(GatewayHeaders.REQUEST_ID, RequestIds.of(ctx)));
            cfg.routes.after(bodyBudget::release);
            cfg.routes.exception(ApiException.class, (e, ctx) -> {
                if (trust.fromNginx(ctx)) {
                    ctx.header(GatewayHeaders.AUTHZ_REASON, e.error().code()); // for nginx's access log
                }
                render(ctx, e.error(), e.headers());
            });
            cfg.routes.exception(
                    HttpResponseException.class,
                    (e, ctx) -> render(ctx, errorPages.forStatus(e.getStatus()), Map.of()));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("request {}: {} {} failed", RequestIds.of(ctx), ctx.method(), ctx.path(), e);
                render(ctx, ErrorCode.INTERNAL_ERROR.error(), Map.of());
            });
        });
    }

    /** Where Javalin's handlers write their errors (bodies come from {@link OpenAiError#toJson}). */
    static void render(Context ctx, OpenAiError error, Map<String, String> headers) {
        if (ctx.res().isCommitted()) {
            return; // a stream already started: its own error event was written
        }
        headers.forEach(ctx::header);
        ctx.status(error.status()).contentType("application/json").result(error.toJson());
    }
}
