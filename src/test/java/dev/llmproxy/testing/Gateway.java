package dev.llmproxy.testing;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.http.App;
import dev.llmproxy.nginx.NginxConfig;
import dev.llmproxy.ratelimit.RateLimiters;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The whole gateway as deployed: a real nginx running the repository's template, in front
 * of the real sidecar, in front of a {@link FakeVllm}. Every part on its own free port.
 */
public final class Gateway implements AutoCloseable {
    public static final String SECRET = "test-gateway-secret-0123456789abcdef";
    public static final String VLLM_KEY = "vllm-upstream-key-42";

    public final FakeVllm vllm;
    public final FakeOllama ollama;
    public final Config config;
    private final NginxProcess nginx;
    private final int nginxPort;
    private Javalin sidecar;

    private Gateway(
            FakeVllm vllm, FakeOllama ollama, Config config, NginxProcess nginx, int nginxPort, Javalin sidecar) {
        this.vllm = vllm;
        this.ollama = ollama;
        this.config = config;
        this.nginx = nginx;
        this.nginxPort = nginxPort;
        this.sidecar = sidecar;
    }

    /** Starts the three parts with the given TOKENS_JSON and any extra variables. */
    public static Gateway start(String tokensJson, Map<String, String> extra) throws IOException, InterruptedException {
        return start(tokensJson, extra, NginxProcess.binary());
    }

    /** @param nginxBinary the nginx to run, e.g. {@link NginxProcess#resolvingBinary()} */
    public static Gateway start(String tokensJson, Map<String, String> extra, String nginxBinary)
            throws IOException, InterruptedException {
        FakeVllm vllm = new FakeVllm(VLLM_KEY);
        FakeOllama ollama = new FakeOllama();
        int nginxPort = Ports.free();
        Map<String, String> env = new HashMap<>();
        env.put("TOKENS_JSON", tokensJson);
        if (!extra.containsKey("BACKENDS_JSON") && !extra.containsKey("BACKENDS_FILE")) { // else the list names them
            env.put("VLLM_BASE_URL", vllm.baseUrl() + "/v1");
            env.put("VLLM_API_KEY", VLLM_KEY);
            env.put("OLLAMA_BASE_URL", ollama.baseUrl());
        }
        env.put("GATEWAY_SECRET", SECRET);
        env.put("SIDECAR_PORT", "0");
        env.put("NGINX_LISTEN", "127.0.0.1:" + nginxPort);
        env.putAll(extra);
        // A test's list can name this gateway's fakes: {vllm} and {ollama} are their base URLs.
        env.computeIfPresent(
                "BACKENDS_JSON", (k, v) -> v.replace("{vllm}", vllm.baseUrl()).replace("{ollama}", ollama.baseUrl()));

        // The sidecar first, on a port the system picks (no other process can take it meanwhile); from then on
        // the configuration names that port, so nginx's config points at it and a restart comes back on it.
        Javalin sidecar = startSidecar(ConfigLoader.load(env));
        env.put("SIDECAR_PORT", Integer.toString(sidecar.port()));
        try {
            Config config = ConfigLoader.load(env);
            Path runDir = NginxProcess.prepareRunDir();
            Path conf = runDir.resolve("nginx.conf");
            String template = Files.readString(Path.of("nginx/nginx.conf.template"));
            Files.writeString(conf, NginxConfig.render(template, config, NginxConfig.Layout.local(runDir)));
            NginxProcess nginx = NginxProcess.start(nginxBinary, runDir, conf, nginxPort);
            return new Gateway(vllm, ollama, config, nginx, nginxPort, sidecar);
        } catch (Exception e) { // rethrown as the exceptions declared
            sidecar.stop();
            throw e;
        }
    }

    /** A sidecar of {@code config}, as the gateway runs it, with its configured limit store. */
    public static Javalin startSidecar(Config config) {
        return App.create(config, RateLimiters.create(config.store(), config.redisUrl(), config.redis()))
                .start();
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + nginxPort + path);
    }

    /** The gateway over TLS, by the name its test certificate is issued to. */
    public URI httpsUrl(String path) {
        return URI.create("https://localhost:" + nginxPort + path);
    }

    public URI sidecarUrl(String path) {
        return URI.create("http://127.0.0.1:" + config.sidecarPort() + path);
    }

    /** Asks the backends what they serve now, instead of waiting for MODELS_REFRESH_SECONDS. */
    public void refreshModels() {
        App.discovery(sidecar).refreshNow();
    }

    public void stopSidecar() {
        sidecar.stop();
    }

    /** On the port it had: nginx's config names that one. */
    public void restartSidecar() {
        sidecar = startSidecar(config);
    }

    public String accessLog() {
        return nginx.log("access.log");
    }

    public String errorLog() {
        return nginx.log("error.log");
    }

    @Override
    public void close() {
        nginx.close();
        sidecar.stop();
        vllm.close();
        ollama.close();
    }
}
