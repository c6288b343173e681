package dev.llmproxy.nginx;

import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.backends.BackendType;
import dev.llmproxy.backends.Backends;
import dev.llmproxy.backends.UpstreamUrl;
import dev.llmproxy.contract.GatewayHeaders;
import java.time.Duration;
import java.util.List;

/**
 * The parts of nginx's config each OpenAI-type backend gets: an {@code upstream} of its replicas, balanced by
 * least connections in a zone every worker shares, and the two named locations the sidecar hands its calls to.
 * nginx picks the replica; a call is tried on another only when it could not connect, so no request a replica
 * may have received is sent twice (nginx does not retry a POST it sent: proxy_next_upstream's default).
 */
final class BackendBlocks {
    /** Where Debian, Ubuntu, Alpine and the official nginx image keep the system's CA certificates. */
    static final String SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
    /** A replica that failed to connect is skipped this long before it is tried again. */
    static final Duration FAIL_TIMEOUT = Duration.ofSeconds(10);

    private BackendBlocks() {}

    static List<BackendSpec> proxied(Backends backends) {
        return backends.all().stream()
                .filter(b -> b.type() == BackendType.OPENAI)
                .toList();
    }

    static String upstreamName(BackendSpec b) {
        return "llm_b_" + b.name().replace('-', '_');
    }

    /**
     * How often nginx asks again for a backend's address when {@code NGINX_RESOLVER} is set, whatever the answer's
     * own TTL (Docker's DNS says 600 s): a backend that restarts on another address is followed within this.
     */
    static final Duration RESOLVE_VALID = Duration.ofSeconds(10);

    /**
     * The {@code resolver}, at the {@code http} level: with DNS servers, nginx resolves the backends' host names
     * while it runs, in the background, so it starts before a backend's name exists and follows its address
     * (nginx 1.27.3 or newer); without, each name is resolved once when nginx starts, and one that does not resolve
     * stops it.
     */
    static String resolver(List<String> servers, boolean ipv6) {
        if (servers.isEmpty()) {
            return "# Backends' host names are resolved once, when nginx starts: NGINX_RESOLVER is off.";
        }
        return "resolver " + String.join(" ", servers) + " valid=" + RESOLVE_VALID.toSeconds() + "s"
                + (ipv6 ? "" : " ipv6=off") + ";\n"
                + "    resolver_timeout 5s;";
    }

    /**
     * The {@code upstream} blocks, at the {@code http} level.
     *
     * @param resolveNames whether nginx resolves host names while it runs ({@link #resolver} names DNS servers)
     */
    static String upstreams(Backends backends, boolean resolveNames) {
        StringBuilder out = new StringBuilder();
        for (BackendSpec b : proxied(backends)) {
            String name = upstreamName(b);
            out.append("upstream ").append(name).append(" {\n");
            out.append("        zone ").append(name).append(" 64k;   # one balancing state for every worker\n");
            out.append(
                    "        least_conn;            # calls last from milliseconds to minutes: round robin would pile them up\n");
            for (UpstreamUrl u : b.urls()) {
                out.append("        server ").append(u.authority());
                if (resolveNames && u.hostIsDnsName()) {
                    // Until the name resolves the replica has no address: a call answers 502 backend_unavailable.
                    out.append(" resolve");
                }
                out.append(" max_fails=1 fail_timeout=")
                        .append(FAIL_TIMEOUT.toSeconds())
                        .append("s;\n");
            }
            if (!b.keepalive().isZero()) {
                out.append("        keepalive 32;\n");
                out.append("        keepalive_timeout ")
                        .append(b.keepalive().toSeconds())
                        .append("s;   # below the server's own idle timeout\n");
            }
            out.append("    }\n    ");
        }
        return out.toString().stripTrailing();
    }

    /** The named locations, in the {@code server}. */
    static String locations(Backends backends, String readTimeout, String connectTimeout) {
        StringBuilder out = new StringBuilder();
        for (BackendSpec b : proxied(backends)) {
            for (boolean stream : new boolean[] {false, true}) {
                out.append(location(b, false, stream, readTimeout, connectTimeout));
                out.append(location(b, true, stream, readTimeout, connectTimeout));
            }
        }
        return out.toString().stripTrailing();
    }

    private static String location(
            BackendSpec b, boolean rewritten, boolean stream, String readTimeout, String connectTimeout) {
        UpstreamUrl first = b.urls().get(0);
        StringBuilder l = new StringBuilder();
        l.append("location ")
                .append(GatewayHeaders.location(b.name(), rewritten, stream))
                .append(" {\n");
        for (String line : List.of(
                "set $gw_handed_over  1;",
                "set $gw_token_label  $upstream_http_x_token_label;",
                "set $gw_backend      $upstream_http_x_proxy_backend;",
                "set $gw_model        $upstream_http_x_llm_model;",
                "set $gw_rl_limit     $upstream_http_x_ratelimit_limit_requests;",
                "set $gw_rl_remaining $upstream_http_x_ratelimit_remaining_requests;",
                "set $gw_rl_reset     $upstream_http_x_ratelimit_reset_requests;")) {
            l.append("            ").append(line).append('\n');
        }
        if (rewritten) {
            l.append("            set $gw_upstream_model $upstream_http_x_llm_upstream_model;\n");
            l.append("            if ($llm_rewritten_body = \"\") {\n");
            l.append(
                    "                return 500;   # cannot happen while the sidecar checks the rule; never send an empty body\n");
            l.append("            }\n");
            l.append("            proxy_set_body $llm_rewritten_body;\n");
        }
        // Only the headers set here reach the backend: nothing else the client sent (nginx adds Content-Length).
        l.append("            proxy_pass_request_headers off;\n");
        if (stream) {
            // A stream goes over HTTP/1.0: its answer ends when the server closes the connection, so that
            // connection is never kept, and no later call is sent on it. (llama.cpp's server closes it after a
            // stream while saying keep-alive; a call sent on it meanwhile was a 502, and nginx does not retry
            // a POST it sent.) A stream lasts seconds; a new connection costs a fraction of a millisecond.
            l.append("            proxy_http_version 1.0;\n");
        } else {
            header(l, "Connection", "\"\""); // kept for the next call (keepalive_seconds)
        }
        header(l, "Content-Type", "$content_type");
        header(l, "Accept", "$http_accept");
        header(l, "Host", "\"" + first.hostHeader() + "\"");
        header(
                l,
                "Authorization",
                "\"" + b.apiKey().map(k -> "Bearer " + k.value()).orElse("") + "\"");
        header(l, "X-Request-ID", "$gw_request_id");
        if (b.forwardIdentity()) { // who asked, for one's own servers that log it; never for a provider
            header(l, "X-Proxy-Backend", "$gw_backend");
            header(l, "X-Token-Label", "$gw_token_label");
            header(l, "X-RateLimit-Checked", "\"1\"");
            header(l, "X-LLM-Model", "$gw_model");
            header(l, "X-Real-IP", "$remote_addr");
            header(l, "X-Forwarded-For", "$remote_addr");
        }
        b.headers().forEach((name, value) -> header(l, name, "\"" + value + "\""));
        if (first.scheme().equals("https")) {
            // nginx does not verify an upstream's certificate unless told to; it always is here.
            l.append("            proxy_ssl_server_name on;\n");
            l.append("            proxy_ssl_name ").append(first.host()).append(";\n");
            l.append("            proxy_ssl_verify on;\n");
            l.append("            proxy_ssl_verify_depth 4;\n");
            l.append("            proxy_ssl_trusted_certificate ")
                    .append(b.caFile().orElse(SYSTEM_CA_BUNDLE))
                    .append(";\n");
        }
        l.append("            proxy_connect_timeout ").append(connectTimeout).append(";\n");
        l.append("            proxy_send_timeout    ").append(readTimeout).append(";\n");
        l.append("            proxy_read_timeout    ").append(readTimeout).append(";\n");
        l.append("            proxy_pass ")
                .append(first.scheme())
                .append("://")
                .append(upstreamName(b))
                .append(first.pathPrefix())
                .append("$request_uri;\n");
        l.append("        }\n        ");
        return l.toString();
    }

    private static void header(StringBuilder l, String name, String value) {
        l.append("            proxy_set_header ")
                .append(name)
                .append(' ')
                .append(value)
                .append(";\n");
    }
}
