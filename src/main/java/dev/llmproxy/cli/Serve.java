package dev.llmproxy.cli;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigException;
import dev.llmproxy.http.App;
import dev.llmproxy.ratelimit.RateLimiters;
import io.javalin.Javalin;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/** {@code serve} (the default command): starts the sidecar; with {@code --out-dir}, renders nginx's config first. */
public final class Serve {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Serve.class);

    private Serve() {}

    public static void run(String[] args) throws IOException {
        Options options = Options.parse(args, RenderNginx.FLAGS);
        Config config = ConfigSource.loadAndWarn();
        if (options.has("out-dir")) {
            RenderNginx.write(config, options); // containers: the config nginx will load, from this very config
        }
        Javalin sidecar;
        try {
            sidecar = App.create(config, RateLimiters.create(config.store(), config.redisUrl(), config.redis()))
                    .start();
        } catch (RuntimeException e) {
            if (bindFailure(e)) { // one line, not the web server's stack trace
                throw new ConfigException(List.of("SIDECAR_HOST, SIDECAR_PORT: cannot listen on " + config.sidecarHost()
                        + ":" + config.sidecarPort() + " (the port is in use, or the address is not this machine's)"));
            }
            throw e;
        }
        // SIGHUP's default is to end the process: an operator's "reload" (kill -HUP, systemd's ExecReload) must
        // never stop the gateway, whether or not there is a file to reload.
        onHangup(App.tokensFile(sidecar)
                .<Runnable>map(file -> file::reloadNow)
                .orElse(() -> LOG.info("SIGHUP: nothing to reload (tokens come from TOKENS_JSON, read at start)")));
        // Standard error, beside the sidecar's log lines: standard output holds only what a command produces
        // (a config, a token, a report), and serve produces none.
        System.err.println(listening(config, sidecar.port()));
    }

    /**
     * Runs {@code action} on SIGHUP, the usual "reload your configuration" signal. Through reflection: the JDK's
     * signal API is internal (javac warns on any use, and the build treats warnings as errors); where it is
     * missing, only the file's own changes reload it.
     */
    private static void onHangup(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object hup = signal.getConstructor(String.class).newInstance("HUP");
            Object proxy = java.lang.reflect.Proxy.newProxyInstance(
                    handler.getClassLoader(), new Class<?>[] {handler}, (p, method, args) -> {
                        if (method.getName().equals("handle")) {
                            Thread.ofVirtual().start(action);
                        }
                        return null;
                    });
            signal.getMethod("handle", signal, handler).invoke(null, hup, proxy);
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.err.println("warning: SIGHUP cannot reload TOKENS_FILE here ("
                    + e.getClass().getSimpleName() + "); it still reloads when the file changes");
        }
    }

    private static boolean bindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException
                    || t.getClass().getSimpleName().contains("BindException")) {
                return true;
            }
        }
        return false;
    }

    /** The port is the one the sidecar got: with SIDECAR_PORT=0, the one the system picked. */
    static String listening(Config config, int port) {
        String host = config.sidecarHost().contains(":") ? "[" + config.sidecarHost() + "]" : config.sidecarHost();
        return "llm-proxy sidecar listening on " + host + ":" + port + " (store "
                + config.store().name().toLowerCase(Locale.ROOT) + ", default backend "
                + config.backends().defaultName() + ")";
    }
}
