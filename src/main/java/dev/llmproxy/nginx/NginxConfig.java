package dev.llmproxy.nginx;

import dev.llmproxy.backends.UpstreamUrl;
import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigException;
import dev.llmproxy.contract.Endpoint;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.contract.GatewayHeaders;
import dev.llmproxy.contract.OpenAiError;
import dev.llmproxy.contract.VerdictHeaders;
import dev.llmproxy.support.Resources;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders {@code nginx/nginx.conf.template} from the gateway's configuration. The template's
 * placeholders are {@code ${UPPER_CASE}} names; nginx's own variables are lower case and left alone.
 * The template also ships inside the jar, so a container can render it.
 */
public final class NginxConfig {
    public static final String TEMPLATE_RESOURCE = "/nginx/nginx.conf.template";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)}");

    /**
     * Where the rendered config keeps its pid and temp files, writes its logs, and reaches the sidecar.
     *
     * @param sidecarAddress {@code host:port} of the sidecar as nginx sees it; null for the configured address
     */
    public record Layout(Path runDir, String accessLog, String errorLog, String sidecarAddress) {
        /** Everything under {@code runDir}: the local launcher and the tests. */
        public static Layout local(Path runDir) {
            Path logs = runDir.toAbsolutePath().normalize().resolve("logs");
            return new Layout(
                    runDir,
                    logs.resolve("access.log").toString(),
                    logs.resolve("error.log").toString(),
                    null);
        }
    }

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
        String secret = config.gatewaySecret()
                .orElseThrow(
                        () -> new ConfigException(
                                List.of(
                                        "GATEWAY_SECRET: required to run behind nginx (at least 32 characters; e.g. openssl rand -hex 32)")))
                .value();
        Config.NginxSettings nginx = config.nginx();
        Map<String, String> v = new LinkedHashMap<>();
        v.put("RUN_DIR", layout.runDir().toAbsolutePath().normalize().toString());
        v.put("ACCESS_LOG", layout.accessLog());
        v.put("ERROR_LOG", layout.errorLog());
        v.put("LISTEN_DIRECTIVES", listen(nginx));
        v.put("HTTP_REDIRECT_SERVER", redirectServer(nginx));
        v.put("CORS_ORIGINS", corsOrigins(nginx.corsAllowOrigins()));
        v.put(
                "SIDECAR_SERVER",
                sidecarServer(
                        layout.sidecarAddress() != null ? layout.sidecarAddress() : sidecarAddress(config),
                        nginx.resolver().isPresent()));
        v.put("GATEWAY_SECRET", secret);
        v.put("MAX_BODY_BYTES", Long.toString(config.maxBodyBytes()));
        v.put(
                "RESOLVER",
                BackendBlocks.resolver(
                        resolverServers(nginx.resolver()),
                        nginx.resolver().map(Config.Resolver::ipv6).orElse(true)));
        v.put(
                "BACKEND_UPSTREAMS",
                BackendBlocks.upstreams(config.backends(), nginx.resolver().isPresent()));
        v.put(
                "BACKEND_LOCATIONS",
                BackendBlocks.locations(
                        config.backends(),
                        config.upstreamReadTimeout().toSeconds() + "s",
                        config.upstreamConnectTimeout().toSeconds() + "s"));
        // Longer than the sidecar can take before it answers itself: room for the body (2 s), the limit store,
        // connecting to and waiting for the model server.
        v.put(
                "SIDECAR_READ_TIMEOUT",
                config.upstreamReadTimeout().toSeconds()
                        + config.upstreamConnectTimeout().toSeconds() + 10 + "s");
        v.put("MODEL_CALL_LOCATION", Endpoint.nginxLocationRegex());
        v.put("CORS_EXPOSE_HEADERS", String.join(", ", GatewayHeaders.EXPOSED_TO_BROWSERS));
        v.put("UNAVAILABLE_RETRY_AFTER", VerdictHeaders.UNAVAILABLE_RETRY_AFTER_SECONDS);
        v.put("WWW_AUTHENTICATE", VerdictHeaders.WWW_AUTHENTICATE_VALUE);
        v.putAll(errorReturns(config));
        return v;
    }

    /**
     * {@code ERROR_<NAME>}: the arguments of a {@code return} that answers the catalog's error, status and body,
     * for every entry nginx can fill: nginx names the backend only as "model", and knows its body limit.
     */
    static Map<String, String> errorReturns(Config config) {
        // The backend a call was handed to is nginx's $gw_backend (a name of letters, digits and dashes), put in
        // after quoting: the catalog's own text never holds a '$'.
        Map<String, String> nginxKnows = Map.of(
                "backend",
                BACKEND_MARK,
                "max_body_bytes",
                Long.toString(config.maxBodyBytes()),
                "detail",
                "it closed the connection before answering.",
                "reason",
                ErrorCode.NO_API_KEY);
        Map<String, String> v = new LinkedHashMap<>();
        for (ErrorCode code : ErrorCode.values()) {
            if (nginxKnows.keySet().containsAll(code.slots())) {
                OpenAiError error = code.render(nginxKnows);
                v.put(
                        "ERROR_" + code.name(),
                        error.status() + " '"
                                + quoted(new String(error.toJson(), StandardCharsets.UTF_8))
                                        .replace(BACKEND_MARK, "$gw_backend")
                                + "\\n'");
            }
        }
        return v;
    }

    private static final String BACKEND_MARK = "GATEWAYBACKENDNAME";

    /** Text inside an nginx single-quoted string, which reads a backslash as an escape and a dollar as a variable. */
    private static String quoted(String text) {
        if (text.contains("$")) {
            throw new IllegalArgumentException("nginx would read a variable in: " + text);
        }
        return text.replace("\\", "\\\\").replace("'", "\\'");
    }

    private static final Path RESOLV_CONF = Path.of("/etc/resolv.conf");

    /** The DNS servers of NGINX_RESOLVER; for {@code auto}, this machine's (this container's). */
    private static List<String> resolverServers(Optional<Config.Resolver> resolver) {
        if (resolver.isEmpty()) {
            return List.of();
        }
        if (!resolver.get().auto()) {
            List<String> unresolved = unresolved(resolver.get().servers());
            if (!unresolved.isEmpty()) {
                throw new ConfigException(unresolved);
            }
            return resolver.get().servers();
        }
        List<String> servers;
        try {
            servers = ResolvConf.nameservers(Files.readString(RESOLV_CONF));
        } catch (IOException e) {
            servers = List.of();
        }
        if (servers.isEmpty()) {
            throw new ConfigException(List.of("NGINX_RESOLVER: auto, but " + RESOLV_CONF
                    + " names no name server nginx can use: name the DNS servers, or off"));
        }
        return servers;
    }

    /**
     * A server named by a host name is resolved by nginx once, as it starts, which it refuses to do without an address
     * ("host not found in resolver"). It starts where the config is rendered, or beside it on the same DNS (./gateway
     * run, compose's network, Kubernetes' pod): a name that does not resolve here is a configuration error.
     */
    private static List<String> unresolved(List<String> servers) {
        List<String> problems = new ArrayList<>();
        for (String server : servers) {
            String host = server.startsWith("[") ? server.substring(0, server.indexOf(']') + 1) : server.split(":")[0];
            try {
                InetAddress.getByName(host); // an address is taken as it is, without a lookup
            } catch (UnknownHostException e) {
                problems.add(
                        "NGINX_RESOLVER: \"" + server + "\" does not resolve on this machine, and nginx resolves it"
                                + " when it starts: name the DNS server by its address, or one that resolves here");
            }
        }
        return problems;
    }

    /**
     * The sidecar's {@code server} line. With a resolver, a sidecar named by DNS is followed while nginx runs, as
     * the backends are: a container that restarts often comes back on another address (compose), and nginx would
     * otherwise keep calling the old one.
     */
    static String sidecarServer(String address, boolean resolveNames) {
        UpstreamUrl url = UpstreamUrl.parse("--sidecar-addr", "http://" + address, new ArrayList<>());
        if (resolveNames && url != null && url.hostIsDnsName()) {
            return "zone llm_sidecar 64k;\n        server " + address + " resolve;";
        }
        return "server " + address + ";";
    }

    private static String sidecarAddress(Config config) {
        String host = config.sidecarHost().equals("0.0.0.0") ? "127.0.0.1" : config.sidecarHost();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + config.sidecarPort();
    }

    /** Plain HTTP, or HTTPS with modern protocols only (Mozilla's "intermediate" profile). */
    private static String listen(Config.NginxSettings nginx) {
        if (nginx.tls().isEmpty()) {
            return "listen " + nginx.listen() + ";";
        }
        Config.Tls tls = nginx.tls().get();
        return String.join(
                "\n        ",
                "listen " + nginx.listen() + " ssl;",
                "ssl_certificate     " + tls.certificateFile() + ";",
                "ssl_certificate_key " + tls.keyFile() + ";",
                "ssl_protocols TLSv1.2 TLSv1.3;",
                "ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                        + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;",
                "ssl_prefer_server_ciphers off;",
                "ssl_session_cache shared:llm_tls:10m;",
                "ssl_session_timeout 1d;",
                "ssl_session_tickets off;",
                "add_header Strict-Transport-Security \"max-age=63072000\" always;");
    }

    private static String redirectServer(Config.NginxSettings nginx) {
        if (nginx.httpRedirectListen().isEmpty()) {
            return "";
        }
        String port = nginx.listen().replaceAll(".*:", "");
        String target = port.equals("443") ? "https://$host$request_uri" : "https://$host:" + port + "$request_uri";
        return "server {\n        listen " + nginx.httpRedirectListen().get() + ";\n        return 308 " + target
                + ";\n    }";
    }

    /** The body of the map from a request's Origin to the Access-Control-Allow-Origin it gets. */
    private static String corsOrigins(List<String> origins) {
        if (origins.contains("*")) {
            return "default $http_origin;";
        }
        StringBuilder out = new StringBuilder("default \"\";");
        for (String o : origins) {
            out.append("\n        \"").append(o).append("\" $http_origin;");
        }
        return out.toString();
    }

    public static String resource(String name) {
        return Resources.text(NginxConfig.class, name);
    }
}
