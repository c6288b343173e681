package dev.llmproxy.nginx;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.config.ConfigException;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.testing.Integration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What nginx's config holds for each configured backend (BACKENDS_JSON), and that nginx accepts it. */
class BackendBlocksTest {
    static final String KEY = "sk-or-v1-0123456789abcdef";

    /** The example fleet, and an echo backend. */
    static final String FLEET = """
            [{"name":"llama","type":"openai","urls":["http://gpu-1:8000/v1","http://gpu-2:8000/v1"]},
             {"name":"embed","type":"openai","urls":["http://gpu-3:8001"],"models":["BAAI/bge-m3"]},
             {"name":"ollama","type":"ollama","urls":["http://ollama-1:11434","http://ollama-2:11434"]},
             {"name":"openrouter","type":"openai","urls":["https://openrouter.ai/api/v1"],"models":["anthropic/*","mistralai/*"],"api_key_env":"OPENROUTER_KEY","headers":{"HTTP-Referer":"https://chat.example.com","X-Title":"Example chat"}},
             {"name":"local","type":"openai","urls":["http://gpu-4:8000/v1"],"aliases":{"gpt-4o-mini":"Qwen/Qwen2.5-7B-Instruct"}},
             {"name":"echo","type":"echo"}]
            """;

    static Map<String, String> env(String backends) {
        Map<String, String> env = new HashMap<>();
        env.put("TOKENS_JSON", "[{\"token\":\"sk-abcdefgh1\",\"label\":\"a\"}]");
        env.put("GATEWAY_SECRET", "0123456789abcdef0123456789abcdef");
        env.put("BACKENDS_JSON", backends);
        env.put("OPENROUTER_KEY", KEY);
        return env;
    }

    static String render(Map<String, String> env, NginxConfig.Layout layout) throws Exception {
        return NginxConfig.render(NginxTemplateTest.template(), ConfigLoader.load(env), layout);
    }

    static String rendered(String backends) throws Exception {
        return render(env(backends), new NginxConfig.Layout(Path.of("/srv/run"), "/dev/stdout", "/dev/stderr", null));
    }

    /** Every block that opens with {@code head {}, through its closing brace (nested blocks included). */
    static List<String> blocks(String conf, String head) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(head) + " \\{").matcher(conf);
        while (m.find()) {
            int depth = 0;
            for (int i = m.end() - 1; i < conf.length(); i++) {
                char c = conf.charAt(i);
                if (c == '{') {
                    depth++;
                } else if (c == '}' && --depth == 0) {
                    out.add(conf.substring(m.start(), i + 1));
                    break;
                }
            }
        }
        return out;
    }

    static String block(String conf, String head) {
        List<String> b = blocks(conf, head);
        assertEquals(1, b.size(), "exactly one \"" + head + " {\" block");
        return b.get(0);
    }

    /** The block's directives, one a line, without comments and indentation. */
    static List<String> lines(String block) {
        return block.lines()
                .map(l -> l.replaceFirst("\\s+#.*$", "").strip())
                .filter(l -> !l.isEmpty())
                .toList();
    }

    @Test
    void oneUpstreamPerOpenAiBackendWithEveryReplica() throws Exception {
        String conf = rendered(FLEET);
        Matcher m = Pattern.compile("(?m)^\\s*upstream (llm_b_\\w+) \\{").matcher(conf);
        List<String> upstreams = new ArrayList<>();
        while (m.find()) {
            upstreams.add(m.group(1));
        }
        assertEquals(
                List.of("llm_b_llama", "llm_b_embed", "llm_b_openrouter", "llm_b_local"),
                upstreams,
                "none for ollama or echo: the sidecar serves them");
        assertEquals(
                List.of(
                        "upstream llm_b_llama {",
                        "zone llm_b_llama 64k;",
                        "least_conn;",
                        "server gpu-1:8000 max_fails=1 fail_timeout=10s;",
                        "server gpu-2:8000 max_fails=1 fail_timeout=10s;",
                        "keepalive 32;",
                        "keepalive_timeout 4s;",
                        "}"),
                lines(block(conf, "upstream llm_b_llama")));
        assertEquals(
                List.of("server gpu-3:8001 max_fails=1 fail_timeout=10s;"),
                lines(block(conf, "upstream llm_b_embed")).stream()
                        .filter(l -> l.startsWith("server "))
                        .toList());
        String openrouter = block(conf, "upstream llm_b_openrouter");
        assertTrue(openrouter.contains("server openrouter.ai:443 max_fails=1"), openrouter);
        assertTrue(openrouter.contains("zone llm_b_openrouter 64k;"), openrouter);
        assertTrue(openrouter.contains("least_conn;"), openrouter);
        assertTrue(openrouter.contains("keepalive_timeout 4s;"), openrouter);
        assertFalse(conf.contains("ollama-1"), "Ollama's replicas are the sidecar's");
        assertFalse(conf.contains("llm_b_echo"));
    }

    @Test
    void twoNamedLocationsPerOpenAiBackend() throws Exception {
        String conf = rendered(FLEET);
        for (String name : List.of("llama", "embed", "openrouter", "local")) {
            String plain = block(conf, "location @llm_" + name);
            String rewritten = block(conf, "location @llm_" + name + "_rewritten");
            assertFalse(plain.contains("proxy_set_body"), plain);
            assertTrue(rewritten.contains("proxy_set_body $llm_rewritten_body;"), rewritten);
            for (String l : List.of(plain, rewritten)) {
                assertTrue(l.contains("proxy_pass_request_headers off;"), l);
                assertTrue(l.contains("proxy_pass http"), l);
                assertTrue(l.contains("://llm_b_" + name), l);
            }
        }
        for (String name : List.of("ollama", "echo")) {
            assertFalse(conf.contains("location @llm_" + name + " "), name);
            assertFalse(conf.contains("location @llm_" + name + "_rewritten"), name);
        }
    }

    @Test
    void anHttpsBackendIsVerifiedAndGetsItsKeyAndHeaders() throws Exception {
        String conf = rendered(FLEET);
        for (String head : List.of("location @llm_openrouter", "location @llm_openrouter_rewritten")) {
            List<String> l = lines(block(conf, head));
            for (String directive : List.of(
                    "proxy_ssl_server_name on;",
                    "proxy_ssl_verify on;",
                    "proxy_ssl_name openrouter.ai;",
                    "proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
                    "proxy_set_header Host \"openrouter.ai\";",
                    "proxy_set_header Authorization \"Bearer " + KEY + "\";",
                    "proxy_set_header HTTP-Referer \"https://chat.example.com\";",
                    "proxy_set_header X-Title \"Example chat\";",
                    "proxy_pass https://llm_b_openrouter/api$request_uri;")) {
                assertTrue(l.contains(directive), directive + " missing from " + head + ": " + l);
            }
            assertEquals(
                    1,
                    l.stream()
                            .filter(d -> d.startsWith("proxy_set_header Authorization "))
                            .count(),
                    "one Authorization");
        }
    }

    @Test
    void aBackendWithoutKeyGetsAnEmptyAuthorization() throws Exception {
        String conf = rendered(FLEET);
        for (String head : List.of("location @llm_llama", "location @llm_llama_rewritten")) {
            List<String> l = lines(block(conf, head));
            assertTrue(l.contains("proxy_set_header Authorization \"\";"), "the client's never reaches it: " + l);
            assertTrue(l.contains("proxy_pass http://llm_b_llama$request_uri;"), "/v1 is not doubled: " + l);
            assertTrue(l.contains("proxy_set_header Host \"gpu-1:8000\";"), l.toString());
            assertTrue(l.stream().noneMatch(d -> d.startsWith("proxy_ssl")), "plain HTTP: " + l);
            assertTrue(l.stream().noneMatch(d -> d.contains(KEY)), "another backend's key: " + l);
            assertTrue(l.stream().noneMatch(d -> d.contains("X-Title")), "another backend's headers: " + l);
        }
        assertEquals(
                4,
                conf.split(Pattern.quote(KEY), -1).length - 1,
                "the key is in the four openrouter locations (whole and streamed, as sent and renamed) only, and in nothing else");
    }

    @Test
    void aResolverNamedByAHostNameThatDoesNotResolveHereIsAConfigurationError() throws Exception {
        // nginx resolves a resolver's name once, when it starts, where the config is rendered in every deployment
        // (the launcher, compose's shared network, Kubernetes' pod): "host not found in resolver" would stop it.
        Map<String, String> env = env(FLEET);
        env.put("NGINX_RESOLVER", "127.0.0.11 no-such-dns.invalid:5353 ipv6=off");
        var layout = new NginxConfig.Layout(Path.of("/srv/run"), "/dev/stdout", "/dev/stderr", null);
        var e = assertThrows(ConfigException.class, () -> render(env, layout));
        assertEquals(
                List.of("NGINX_RESOLVER: \"no-such-dns.invalid:5353\" does not resolve on this machine, and nginx"
                        + " resolves it when it starts: name the DNS server by its address, or one that resolves here"),
                e.problems());
        env.put("NGINX_RESOLVER", "localhost:5353 127.0.0.11 [::1]");
        assertTrue(render(env, layout).contains("resolver localhost:5353 127.0.0.11 [::1] valid=10s;"));
    }

    @Test
    void withAResolverNginxResolvesBackendNamesWhileItRuns() throws Exception {
        String backends = "[{\"name\":\"mixed\",\"type\":\"openai\",\"urls\":[\"http://vllm:8000/v1\","
                + "\"http://10.0.0.7:8000/v1\",\"http://[fd00::7]:8000/v1\",\"http://localhost:8000/v1\"]},"
                + "{\"name\":\"remote\",\"type\":\"openai\",\"urls\":[\"https://api.example.com/v1\"]}]";
        Map<String, String> env = env(backends);
        env.put("NGINX_RESOLVER", "127.0.0.11 [fd00::53]:5353 ipv6=off");
        String conf = render(env, new NginxConfig.Layout(Path.of("/srv/run"), "/dev/stdout", "/dev/stderr", null));
        String http = block(conf, "http");
        assertTrue(
                lines(http).contains("resolver 127.0.0.11 [fd00::53]:5353 valid=10s ipv6=off;"),
                "at the http level, asked again every 10 s whatever the TTL: " + lines(http));
        assertEquals(
                List.of(
                        "server vllm:8000 resolve max_fails=1 fail_timeout=10s;",
                        "server 10.0.0.7:8000 max_fails=1 fail_timeout=10s;",
                        "server [fd00::7]:8000 max_fails=1 fail_timeout=10s;",
                        "server localhost:8000 max_fails=1 fail_timeout=10s;"),
                lines(block(conf, "upstream llm_b_mixed")).stream()
                        .filter(l -> l.startsWith("server "))
                        .toList(),
                "names only: an address needs no DNS, and localhost is the hosts file's");
        assertTrue(
                lines(block(conf, "upstream llm_b_remote"))
                        .contains("server api.example.com:443 resolve max_fails=1 fail_timeout=10s;"),
                conf);
        assertEquals(
                List.of("upstream llm_sidecar {", "server 127.0.0.1:8081;", "keepalive 64;", "}"),
                lines(block(conf, "upstream llm_sidecar")),
                "an address: nothing to resolve");
        String compose =
                render(env, new NginxConfig.Layout(Path.of("/tmp"), "/dev/stdout", "/dev/stderr", "sidecar:8081"));
        assertEquals(
                List.of(
                        "upstream llm_sidecar {",
                        "zone llm_sidecar 64k;",
                        "server sidecar:8081 resolve;",
                        "keepalive 64;",
                        "}"),
                lines(block(compose, "upstream llm_sidecar")),
                "a sidecar container that comes back on another address is followed");

        String once = rendered(backends);
        assertTrue(
                lines(once).stream().noneMatch(l -> l.contains(" resolve ")),
                "without NGINX_RESOLVER, Debian's nginx 1.22 runs it");
        assertFalse(lines(once).stream().anyMatch(l -> l.startsWith("resolver")), "no resolver");
    }

    @Test
    void keepaliveAndCaFileAreRendered(@TempDir Path dir) throws Exception {
        Path ca = new dev.llmproxy.testing.KeytoolCa(dir).pem();
        String conf =
                rendered("[{\"name\":\"a\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"keepalive_seconds\":0},"
                        + "{\"name\":\"b-c\",\"type\":\"openai\",\"urls\":[\"https://h:2/x\",\"https://h:3/x/v1\"],"
                        + "\"keepalive_seconds\":30,\"ca_file\":\"" + ca + "\"}]");
        String a = block(conf, "upstream llm_b_a");
        assertFalse(a.contains("keepalive"), "0: no kept connections: " + a);
        String bc = block(conf, "upstream llm_b_b_c");
        assertTrue(bc.contains("keepalive_timeout 30s;"), bc);
        assertTrue(bc.contains("server h:2 ") && bc.contains("server h:3 "), bc);
        String location = block(conf, "location @llm_b-c");
        assertTrue(location.contains("proxy_ssl_trusted_certificate " + ca + ";"), location);
        assertTrue(location.contains("proxy_ssl_name h;"), location);
        assertTrue(location.contains("proxy_pass https://llm_b_b_c/x$request_uri;"), location);
    }

    /** A fleet on 127.0.0.1 (nginx -t resolves upstream host names), with everything an entry can render. */
    @Test
    @Integration
    void aFleetPassesNginxTest(@TempDir Path dir) throws Exception {
        Map<String, String> env = env("""
                [{"name":"llama","type":"openai","urls":["http://127.0.0.1:8000/v1","http://127.0.0.2:8000/v1"]},
                 {"name":"embed","type":"openai","urls":["http://127.0.0.1:8001"],"models":["BAAI/bge-m3"]},
                 {"name":"ollama","type":"ollama","urls":["http://127.0.0.1:11434","http://127.0.0.2:11434"]},
                 {"name":"openrouter","type":"openai","urls":["https://127.0.0.1:8443/api/v1"],"models":["anthropic/*"],"api_key_env":"OPENROUTER_KEY","headers":{"HTTP-Referer":"https://chat.example.com","X-Title":"Example {chat}; 'x' #1 & y"}},
                 {"name":"local","type":"openai","urls":["http://127.0.0.1:8002/v1"],"aliases":{"gpt-4o-mini":"Qwen/Qwen2.5-7B-Instruct"}},
                 {"name":"z-0","type":"openai","urls":["http://127.0.0.1:9001","http://127.0.0.1:9002"],"keepalive_seconds":0},
                 {"name":"echo","type":"echo"}]
                """);
        env.put("NGINX_LISTEN", "8080");
        Path conf = dir.resolve("nginx.conf");
        String text = render(env, new NginxConfig.Layout(dir, "/dev/stdout", "/dev/stderr", "127.0.0.1:8081"));
        assertTrue(text.contains("upstream llm_b_z_0 {"), "the fleet is rendered");
        assertTrue(text.contains("proxy_ssl_verify on;"), "with an https backend");
        Files.writeString(conf, text);
        dev.llmproxy.testing.NginxProcess.assertValid(dir, conf);
    }

    /** Streams go over HTTP/1.0 (their connection is never kept); other calls over kept HTTP/1.1 connections. */
    @Test
    void streamsHaveLocationsOfTheirOwn() throws Exception {
        String conf = rendered("[{\"name\":\"a\",\"type\":\"openai\",\"urls\":[\"http://h:1\"]}]");
        for (String name : List.of("@llm_a_stream", "@llm_a_stream_rewritten")) {
            String l = block(conf, "location " + name);
            assertTrue(l.contains("proxy_http_version 1.0;"), l);
            assertFalse(l.contains("proxy_set_header Connection"), l);
        }
        String whole = block(conf, "location @llm_a");
        assertFalse(whole.contains("proxy_http_version 1.0"), whole);
        assertTrue(whole.contains("proxy_set_header Connection \"\";"), whole);
    }
}
