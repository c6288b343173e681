package dev.llmproxy.nginx;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.config.ConfigException;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.contract.Endpoint;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.contract.GatewayHeaders;
import dev.llmproxy.testing.ErrorBodies;
import dev.llmproxy.testing.Integration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class NginxTemplateTest {
    static final Map<String, String> ENV = Map.of(
            "TOKENS_JSON",
            "[{\"token\":\"sk-abcdefgh1\",\"label\":\"a\"}]",
            "GATEWAY_SECRET",
            "0123456789abcdef0123456789abcdef",
            "VLLM_BASE_URL",
            "http://gpu-1:8000/v1",
            "VLLM_API_KEY",
            "k-123");

    static String template() throws Exception {
        return Files.readString(Path.of("nginx/nginx.conf.template"));
    }

    /** Header names the template mentions: in proxy_set_header / add_header, and as $upstream_http_x_* / $http_x_*. */
    static Set<String> headerNames(String conf) {
        Set<String> names = new TreeSet<>();
        Matcher direct = Pattern.compile("(?:proxy_set_header|add_header|proxy_hide_header)\\s+([A-Za-z-]+)")
                .matcher(conf);
        while (direct.find()) {
            names.add(direct.group(1).toLowerCase());
        }
        Matcher vars = Pattern.compile("\\$(?:upstream_)?http_(x_[a-z_]+|retry_after(?:_ms)?)")
                .matcher(conf);
        while (vars.find()) {
            names.add(vars.group(1).replace('_', '-'));
        }
        return names;
    }

    @Test
    void templateUsesExactlyTheSharedHeaderNames() throws Exception {
        Set<String> shared = GatewayHeaders.SHARED_WITH_NGINX.stream()
                .map(String::toLowerCase)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> used = headerNames(template() + rendered()); // the backends' locations are rendered
        Set<String> gatewayOwn = used.stream()
                .filter(h -> h.startsWith("x-") || h.startsWith("retry-after"))
                .collect(Collectors.toCollection(TreeSet::new));
        gatewayOwn.remove("x-forwarded-for"); // standard proxy header, not part of the nginx-sidecar contract
        assertEquals(shared, gatewayOwn);
    }

    @Test
    void theLocationsTheSidecarHandsCallsToExist() throws Exception {
        String conf = rendered();
        for (String location : List.of(
                GatewayHeaders.location("vllm", false, false),
                GatewayHeaders.location("vllm", true, false),
                GatewayHeaders.location("vllm", false, true),
                GatewayHeaders.location("vllm", true, true))) {
            assertTrue(conf.contains("location " + location + " {"), location);
        }
        assertTrue(
                conf.contains("proxy_ignore_headers X-Accel-Redirect"),
                "a model backend must not be able to redirect nginx");
    }

    @Test
    void rendersEveryPlaceholder() throws Exception {
        var config = ConfigLoader.load(ENV);
        String conf = NginxConfig.render(
                template(), config, new NginxConfig.Layout(Path.of("/srv/run"), "/dev/stdout", "/dev/stderr", null));
        assertFalse(conf.matches("(?s).*\\$\\{[A-Z_]+}.*"), "unrendered placeholder");
        assertTrue(conf.contains("upstream llm_b_vllm {"));
        assertTrue(conf.contains("server gpu-1:8000 max_fails=1 fail_timeout=10s;"));
        assertTrue(conf.contains("keepalive_timeout 4s;"), "below uvicorn's 5 s");
        assertTrue(conf.contains("proxy_set_header Authorization \"Bearer k-123\";"));
        assertTrue(conf.contains("proxy_pass http://llm_b_vllm$request_uri;"), "/v1 is not doubled");
        assertTrue(conf.contains("client_max_body_size    4194304;"));
        assertTrue(conf.contains("client_body_buffer_size 4194304;"), "bodies stay in memory");
        assertTrue(conf.contains("pcre_jit on;"));
        assertTrue(conf.contains("access_log /dev/stdout llm_json;"));
        assertTrue(conf.contains("listen 127.0.0.1:8080;"));
    }

    /** The layout docker compose and Kubernetes use (logs to stdout/stderr, the template from the jar), checked by nginx -t. */
    @Test
    @Integration
    void containerLayoutFromTheJarPassesNginxTest() throws Exception {
        Path dir = Files.createTempDirectory("nginx-out");
        var layout = new NginxConfig.Layout(dir, "/dev/stdout", "/dev/stderr", "127.0.0.1:8081");
        var env = new java.util.HashMap<>(ENV);
        env.put("NGINX_LISTEN", "8080");
        env.put("CORS_ALLOW_ORIGINS", "*");
        env.put("VLLM_BASE_URL", "http://127.0.0.1:8000/v1"); // nginx -t resolves upstream host names
        assertEquals(
                template(),
                NginxConfig.resource(NginxConfig.TEMPLATE_RESOURCE),
                "the jar carries the repository's copy");
        Files.writeString(
                dir.resolve("nginx.conf"),
                NginxConfig.render(
                        NginxConfig.resource(NginxConfig.TEMPLATE_RESOURCE), ConfigLoader.load(env), layout));
        dev.llmproxy.testing.NginxProcess.assertValid(dir, dir.resolve("nginx.conf"));
    }

    @Test
    void renderingNeedsTheSharedSecret() throws Exception {
        var env = new java.util.HashMap<>(ENV);
        env.remove("GATEWAY_SECRET");
        var e = assertThrows(
                ConfigException.class,
                () -> NginxConfig.render(template(), ConfigLoader.load(env), NginxConfig.Layout.local(Path.of("run"))));
        assertTrue(e.getMessage().contains("GATEWAY_SECRET: required"));
    }

    static String rendered() throws Exception {
        return NginxConfig.render(
                template(),
                ConfigLoader.load(ENV),
                new NginxConfig.Layout(Path.of("/srv/run"), "/dev/stdout", "/dev/stderr", null));
    }

    /** nginx's reading of a single-quoted string: a backslash escapes the next quote or backslash; \n is a newline. */
    static String nginxUnquote(String quoted) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < quoted.length(); i++) {
            char c = quoted.charAt(i);
            if (c == '\\' && i + 1 < quoted.length()) {
                char next = quoted.charAt(++i);
                out.append(
                        switch (next) {
                            case 'n' -> "\n";
                            case 't' -> "\t";
                            case 'r' -> "\r";
                            case '"', '\'', '\\' -> String.valueOf(next);
                            default -> "\\" + next;
                        });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Test
    void everyErrorBodyNginxReturnsIsTheCatalogs() throws Exception {
        assertFalse(
                template().contains("{\"error\""),
                "an error body written in the template instead of taken from the catalog");
        Matcher m = Pattern.compile("return (\\d{3}) '((?:[^'\\\\]|\\\\.)*)';").matcher(rendered());
        Set<ErrorCode> seen = new TreeSet<>();
        while (m.find()) {
            String body = nginxUnquote(m.group(2));
            if (!body.startsWith("{\"error\"")) {
                continue; // /healthz
            }
            assertTrue(body.endsWith("}\n"), body);
            String code = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(body)
                    .path("error")
                    .path("code")
                    .asText();
            ErrorCode entry = ErrorCode.of(code).orElseThrow(() -> new AssertionError("not in the catalog: " + code));
            ErrorBodies.assertCatalog(entry, Integer.parseInt(m.group(1)), body);
            seen.add(entry);
        }
        assertTrue(
                seen.containsAll(Set.of(
                        ErrorCode.UNKNOWN_URL,
                        ErrorCode.REQUEST_TOO_LARGE,
                        ErrorCode.AUTHZ_UNAVAILABLE,
                        ErrorCode.BACKEND_UNAVAILABLE,
                        ErrorCode.BACKEND_TIMEOUT,
                        ErrorCode.HTTPS_REQUIRED)),
                seen.toString());
        assertTrue(
                rendered().contains("Request body is larger than 4194304 bytes."),
                "nginx's limit is the configured one");
    }

    @Test
    void modelCallsGoToTheSidecarByTheEndpointList() throws Exception {
        String regex = Endpoint.nginxLocationRegex();
        assertTrue(rendered().contains("location ~ " + regex + " {"), regex);
        Pattern location = Pattern.compile(regex);
        for (Endpoint e : Endpoint.values()) {
            assertTrue(location.matcher(e.path()).matches(), e.path());
        }
        for (String other :
                List.of("/v1/chat/completions/x", "/v1/models/", "/x/v1/embeddings", "/v1/chat", "/healthz")) {
            assertFalse(location.matcher(other).matches(), other);
        }
        assertTrue(
                location.matcher("/v1/models/vllm:meta-llama/Llama-3.1-8B-Instruct")
                        .matches(),
                "one model, by its id");
    }

    @Test
    void browsersMayReadTheRateLimitAndRequestIdHeaders() throws Exception {
        assertTrue(rendered().contains("default \"" + String.join(", ", GatewayHeaders.EXPOSED_TO_BROWSERS) + "\";"));
        assertTrue(GatewayHeaders.EXPOSED_TO_BROWSERS.containsAll(List.of(
                GatewayHeaders.REQUEST_ID,
                GatewayHeaders.RETRY_AFTER,
                GatewayHeaders.RATELIMIT_REMAINING,
                GatewayHeaders.SHOULD_RETRY)));
    }
}
