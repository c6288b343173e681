package dev.llmproxy.nginx;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders {@code nginx/nginx.conf.template} from the gateway's configuration. The template's
 * placeholders are {@code ${UPPER_CASE}} names; nginx's own variables are lower case and left alone.
 */
public final class NginxConfig {
    public static final String DEFAULT_NJS_MODULE = "/usr/lib/nginx/modules/ngx_http_js_module.so";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)}");

    /** Where the rendered config keeps its pid, logs and temp files, and where it finds gateway.js and njs. */
    public record Layout(Path runDir, Path jsDir, String njsModule) {}

    private NginxConfig() {}

    public static String render(String template, Config config, Layout layout) {
        Map<String, String> values = values(config, layout);
        List<String> unknown = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                unknown.add("nginx template: unknown placeholder ${" + m.group(1) + "}");
                v = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        if (!unknown.isEmpty()) {
            throw new ConfigException(unknown);
        }
        return out.toString();
    }

    static Map<String, String> values(Config config, Layout layout) {
        String secret = config.gatewaySecret().orElseThrow(() -> new ConfigException(
                List.of("GATEWAY_SECRET: required to run behind nginx (at least 32 characters; e.g. openssl rand -hex 32)"))).value();
        String sidecarHost = config.sidecarHost().equals("0.0.0.0") ? "127.0.0.1" : config.sidecarHost();
        Map<String, String> v = new LinkedHashMap<>();
        v.put("NJS_MODULE", layout.njsModule());
        v.put("RUN_DIR", layout.runDir().toAbsolutePath().normalize().toString());
        v.put("JS_DIR", layout.jsDir().toAbsolutePath().normalize().toString());
        v.put("LISTEN", config.nginxListen());
        v.put("SIDECAR_ADDR", sidecarHost.contains(":") ? "[" + sidecarHost + "]:" + config.sidecarPort() : sidecarHost + ":" + config.sidecarPort());
        v.put("VLLM_ADDR", config.vllm().authority());
        v.put("VLLM_HOST", config.vllm().host());
        v.put("VLLM_SCHEME", config.vllm().scheme());
        v.put("VLLM_PATH_PREFIX", config.vllm().pathPrefix());
        v.put("VLLM_AUTHORIZATION", config.vllmApiKey().map(k -> "Bearer " + k.value()).orElse(""));
        v.put("GATEWAY_SECRET", secret);
        v.put("DEFAULT_BACKEND", config.defaultBackend().wireName());
        v.put("MAX_BODY_BYTES", Long.toString(config.maxBodyBytes()));
        v.put("UPSTREAM_CONNECT_TIMEOUT", config.upstreamConnectTimeout().toSeconds() + "s");
        v.put("UPSTREAM_READ_TIMEOUT", config.upstreamReadTimeout().toSeconds() + "s");
        return v;
    }
}
