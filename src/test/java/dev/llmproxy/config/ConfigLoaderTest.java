package dev.llmproxy.config;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.auth.TokenDigest;
import dev.llmproxy.ratelimit.RateLimitStoreKind;
import dev.llmproxy.ratelimit.RedisSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
    static final String SECRET_TOKEN = "sk-super-secret-value-123";
    static final String TOKENS = "[{\"token\":\"" + SECRET_TOKEN + "\",\"label\":\"team-a\",\"rpm\":60,\"rpd\":1000}]";

    static Map<String, String> env(String... pairs) {
        Map<String, String> m = new HashMap<>();
        m.put("TOKENS_JSON", TOKENS);
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    static List<String> problems(Map<String, String> env) {
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env));
        assertTrue(e.getMessage().startsWith("invalid configuration:\n  "), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET_TOKEN), "a token leaked into: " + e.getMessage());
        return e.problems();
    }

    static void assertProblem(Map<String, String> env, String expected) {
        List<String> p = problems(env);
        assertTrue(
                p.stream().anyMatch(s -> s.contains(expected)),
                "expected a problem containing <" + expected + "> in " + p);
    }

    static String tokens(String entry) {
        return "[" + entry + "]";
    }

    static dev.llmproxy.backends.BackendSpec backend(Config c, String name) {
        return c.backends().byName(name).orElseThrow();
    }

    static dev.llmproxy.backends.BackendSpec vllm(Config c) {
        return backend(c, "vllm");
    }

    @Test
    void defaults() {
        Config c = ConfigLoader.load(env());
        assertEquals("vllm", c.backends().defaultName());
        assertEquals(
                "http://127.0.0.1:8000/v1/models",
                vllm(c).urls().get(0).resolve("/v1/models").toString());
        assertEquals(
                "http://127.0.0.1:11434/api/chat",
                backend(c, "ollama").urls().get(0).resolve("/api/chat").toString());
        assertEquals(RateLimitStoreKind.MEMORY, c.store());
        assertEquals(4 * 1024 * 1024, c.maxBodyBytes());
        assertEquals("127.0.0.1", c.sidecarHost());
        assertEquals(8081, c.sidecarPort());
        assertEquals(java.time.Duration.ofSeconds(60), c.modelsRefresh());
        assertTrue(c.gatewaySecret().isEmpty());
        assertTrue(vllm(c).apiKey().isEmpty());
        assertEquals(Duration.ofSeconds(5), c.upstreamConnectTimeout());
        assertEquals(Duration.ofSeconds(600), c.upstreamReadTimeout());
        assertEquals(
                new Config.NginxSettings(
                        "127.0.0.1:8080",
                        java.util.Optional.empty(),
                        java.util.Optional.empty(),
                        List.of(),
                        java.util.Optional.empty()),
                c.nginx());
        assertEquals(
                new RedisSettings("llm-proxy:", dev.llmproxy.ratelimit.FailureMode.OPEN, Duration.ofMillis(250), 4),
                c.redis());
        var t = c.tokens().find(SECRET_TOKEN).orElseThrow();
        assertEquals("team-a", t.label());
        assertEquals(60, t.quota().rpm());
        assertEquals(1000, t.quota().rpd());
        assertTrue(t.models().allowsAll());
    }

    @ParameterizedTest
    @CsvSource({
        "http://vllm:8000, http://vllm:8000/v1/chat/completions",
        "http://vllm:8000/, http://vllm:8000/v1/chat/completions",
        "http://vllm:8000/v1, http://vllm:8000/v1/chat/completions",
        "http://vllm:8000/v1/, http://vllm:8000/v1/chat/completions",
        "https://gpu.example.com/serving/v1, https://gpu.example.com:443/serving/v1/chat/completions",
        "http://[::1]:8000, http://[::1]:8000/v1/chat/completions",
    })
    void vllmUrlIsAcceptedWithOrWithoutV1(String raw, String resolved) {
        assertEquals(
                resolved,
                vllm(ConfigLoader.load(env("VLLM_BASE_URL", raw)))
                        .urls()
                        .get(0)
                        .resolve("/v1/chat/completions")
                        .toString());
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        var p = problems(env(
                "DEFAULT_BACKEND",
                "openai",
                "VLLM_BASE_URL",
                "ftp://x",
                "RATE_LIMIT_STORE",
                "etcd",
                "MAX_BODY_BYTES",
                "lots",
                "SIDECAR_PORT",
                "99999",
                "GATEWAY_SECRET",
                "short",
                "UPSTREAM_CONNECT_TIMEOUT_SECONDS",
                "0",
                "UPSTREAM_READ_TIMEOUT_SECONDS",
                "-1",
                "NGINX_LISTEN",
                "every where",
                "OLLAMA_BASE_URL",
                "not a url",
                "TOKENS_JSON",
                "[{\"token\":\"" + SECRET_TOKEN + "\",\"label\":\"a\",\"rpm\":0},{\"label\":\"b\"}]"));
        assertEquals(12, p.size(), String.join("\n", p));
        for (String variable : List.of(
                "DEFAULT_BACKEND",
                "VLLM_BASE_URL",
                "OLLAMA_BASE_URL",
                "RATE_LIMIT_STORE",
                "MAX_BODY_BYTES",
                "SIDECAR_PORT",
                "GATEWAY_SECRET",
                "UPSTREAM_CONNECT_TIMEOUT_SECONDS",
                "UPSTREAM_READ_TIMEOUT_SECONDS",
                "NGINX_LISTEN",
                "TOKENS_JSON[0] \"a\": rpm",
                "TOKENS_JSON[1] \"b\": exactly one")) {
            assertTrue(p.stream().anyMatch(s -> s.startsWith(variable)), variable + " missing from " + p);
        }
    }

    @Test
    void tokensJsonIsRequiredAndMustBeANonEmptyArray() {
        Map<String, String> none = env();
        none.remove("TOKENS_JSON");
        assertProblem(none, "TOKENS_JSON: required");
        assertProblem(env("TOKENS_JSON", "{}"), "must be a non-empty JSON array");
        assertProblem(env("TOKENS_JSON", "[]"), "must be a non-empty JSON array");
        assertProblem(env("TOKENS_JSON", "[\"" + SECRET_TOKEN + "\"]"), "TOKENS_JSON[0]: must be an object");
    }

    @Test
    void invalidJsonIsReportedByPositionWithoutEchoingTheInput() {
        var p = problems(env("TOKENS_JSON", "[{\"token\":\"" + SECRET_TOKEN + "\" \"label\":\"x\"}]"));
        assertEquals(1, p.size());
        assertTrue(p.get(0).matches("TOKENS_JSON: not valid JSON \\(line 1, column \\d+\\)"), p.get(0));
        assertProblem(
                env("TOKENS_JSON", "[{\"token\":\"" + SECRET_TOKEN + "\",\"token\":\"x\",\"label\":\"x\"}]"),
                "not valid JSON");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"token\":\"sk-abcdefgh1\"}| label is required: 1-64 letters",
                "{\"token\":\"sk-abcdefgh1\",\"label\":null}| label is required: 1-64 letters",
                "{\"token\":\"sk-abcdefgh1\",\"label\":\"-bad\"}| label must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, got \"-bad\"",
                "{\"token\":\"sk-abcdefgh1\",\"label\":\"has space\"}| label must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, got \"has space\"",
                "{\"token\":\"sk-abcdefgh1\",\"label\":42}| label must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, got a number",
                "{\"label\":\"a\"}| exactly one of \"token\" or \"token_sha256\" is required",
                "{\"label\":\"a\",\"token\":\"sk-abcdefgh1\",\"token_sha256\":\"00\"}| exactly one of \"token\" or \"token_sha256\", got both",
                "{\"label\":\"a\",\"token\":\"short\"}| token must be 8-512 characters",
                "{\"label\":\"a\",\"token\":\"has space in it\"}| token must be 8-512 characters",
                "{\"label\":\"a\",\"token\":12345678901}| token must be 8-512 characters",
                "{\"label\":\"a\",\"token_sha256\":\"abc\"}| token_sha256 must be 64 hex digits",
                "{\"label\":\"a\",\"token\":\"sk-abcdefgh1\",\"rpm\":0}| rpm must be a positive integer",
                "{\"label\":\"a\",\"token\":\"sk-abcdefgh1\",\"rpm\":-5}| rpm must be a positive integer",
                "{\"label\":\"a\",\"token\":\"sk-abcdefgh1\",\"rpm\":\"60\"}| rpm must be a positive integer",
                "{\"label\":\"a\",\"token\":\"sk-abcdefgh1\",\"rpd\":1.5}| rpd must be a positive integer",
                "{\"label\":\"a\",\"token\":\"sk-abcdefgh1\",\"rpd\":99999999999999999999999}| rpd must be a positive integer",
                "{\"label\":\"a\",\"token\":\"sk-abcdefgh1\",\"rpm\":1000001}| rpm must be at most 1000000",
                "{\"label\":\"a\",\"token\":\"sk-abcdefgh1\",\"rpd\":1000000001}| rpd must be at most 1000000000",
                "{\"label\":\"a\",\"token\":\"sk-abcdefgh1\",\"models\":[]}| models must be a non-empty array",
                "{\"label\":\"a\",\"token\":\"sk-abcdefgh1\",\"models\":\"vllm:*\"}| models must be a non-empty array",
                "{\"label\":\"a\",\"token\":\"sk-abcdefgh1\",\"models\":[\"*x\"]}| '*' only at the end",
                "{\"label\":\"a\",\"token\":\"sk-abcdefgh1\",\"models\":[\"\"]}| models entries must be non-empty",
                "{\"label\":\"a\",\"token\":\"sk-abcdefgh1\",\"rmp\":60}| unknown field \"rmp\"",
            })
    void tokenEntryRules(String entry, String expected) {
        assertProblem(env("TOKENS_JSON", tokens(entry)), expected);
    }

    @Test
    void aLabelThatCouldBeATokenIsNotShown() {
        // Token and label swapped by mistake: the label field then holds a secret.
        List<String> p =
                problems(env("TOKENS_JSON", tokens("{\"token\":\"team-a\",\"label\":\"" + SECRET_TOKEN + "+\"}")));
        assertTrue(
                p.contains("TOKENS_JSON[0]: label must not start with \"sk-\" as API keys do (a label is shown in logs,"
                        + " headers and metrics), got a value that could be a token (not shown)"),
                p.toString());
    }

    /** What mint-token makes is a valid label by its characters: it must still never become one, nor be shown. */
    @Test
    void aMintedTokenInTheLabelFieldIsRefusedAndNotShown() {
        String minted = new dev.llmproxy.auth.TokenMinter().mint();
        for (String token : List.of("team-a", "team-alpha")) {
            List<String> p =
                    problems(env("TOKENS_JSON", tokens("{\"token\":\"" + token + "\",\"label\":\"" + minted + "\"}")));
            assertTrue(p.stream().anyMatch(l -> l.contains("label must not start with \"sk-\"")), p.toString());
            assertFalse(p.toString().contains(minted.substring(8)), "the key was shown: " + p);
        }
    }

    @Test
    void problemsNameTheEntryByIndexAndLabel() {
        assertProblem(
                env(
                        "TOKENS_JSON",
                        "[{\"token\":\"sk-abcdefgh1\",\"label\":\"ok\"},{\"token\":\"sk-abcdefgh2\",\"label\":\"ci-bot\",\"rpm\":0}]"),
                "TOKENS_JSON[1] \"ci-bot\": rpm must be a positive integer (or absent for no limit), got 0");
    }

    @Test
    void aKeyWrittenTwiceInOneEntryIsAnErrorNotTheLastOneWins() {
        // {"rpm":10,"rpm":1000}: a parser that kept the last value would quietly raise the limit.
        assertProblem(
                env("TOKENS_JSON", "[{\"token\":\"sk-abcdefgh1\",\"label\":\"a\",\"rpm\":10,\"rpm\":1000}]"),
                "TOKENS_JSON: not valid JSON (line 1, column 52)");
    }

    @Test
    void duplicateLabelsAndTokensAreErrors() {
        assertProblem(
                env(
                        "TOKENS_JSON",
                        "[{\"token\":\"sk-abcdefgh1\",\"label\":\"a\"},{\"token\":\"sk-abcdefgh2\",\"label\":\"a\"}]"),
                "TOKENS_JSON[1] \"a\": label is already used by TOKENS_JSON[0] \"a\"");
        // The same token written once in plaintext and once as its hash is still the same token.
        assertProblem(
                env(
                        "TOKENS_JSON",
                        "[{\"token\":\"" + SECRET_TOKEN + "\",\"label\":\"a\"},{\"token_sha256\":\""
                                + TokenDigest.of(SECRET_TOKEN).hex().toUpperCase() + "\",\"label\":\"b\"}]"),
                "TOKENS_JSON[1] \"b\": same token as TOKENS_JSON[0] \"a\"");
    }

    @Test
    void entriesWithProblemsOfTheirOwnAreStillCheckedAgainstTheOthers() {
        String json = "[{\"token\":\"sk-aaaaaaaaaaaa\",\"label\":\"team-b\"},"
                + "{\"token\":\"sk-cccccccccc\",\"label\":\"team-b\",\"rpm\":0},"
                + "{\"token\":\"sk-aaaaaaaaaaaa\",\"label\":\"c\",\"models\":[]},"
                + "{\"token\":\"sk-cccccccccc\",\"label\":\"has space\"}]";
        assertEquals(
                List.of(
                        "TOKENS_JSON[1] \"team-b\": rpm must be a positive integer (or absent for no limit), got 0",
                        "TOKENS_JSON[1] \"team-b\": label is already used by TOKENS_JSON[0] \"team-b\"",
                        "TOKENS_JSON[2] \"c\": models must be a non-empty array of model names or prefixes ending in '*'",
                        "TOKENS_JSON[2] \"c\": same token as TOKENS_JSON[0] \"team-b\"",
                        "TOKENS_JSON[3]: label must be 1-64 letters, digits, '.', '_' or '-', starting with a letter"
                                + " or digit, got \"has space\"",
                        "TOKENS_JSON[3]: same token as TOKENS_JSON[1] \"team-b\""),
                problems(env("TOKENS_JSON", json)));
    }

    @Test
    void tokenEntryOptions() {
        Config c = ConfigLoader.load(
                env(
                        "TOKENS_JSON",
                        "[{\"token_sha256\":\""
                                + TokenDigest.of("sk-hashed-123").hex()
                                + "\",\"label\":\"h\",\"rpm\":10,\"models\":[\"ollama:*\",\"vllm:llama3\"]},{\"token\":\"sk-open-1234\",\"label\":\"o\",\"rpd\":null}]"));
        var h = c.tokens().find("sk-hashed-123").orElseThrow();
        assertEquals(10, h.quota().rpm());
        assertEquals(0, h.quota().rpd());
        assertEquals(List.of("ollama:*", "vllm:llama3"), h.models().patterns());
        assertTrue(c.tokens().find("sk-open-1234").orElseThrow().quota().unlimited());
    }

    @Test
    void redisStoreNeedsAUsableUrl() {
        assertProblem(env("RATE_LIMIT_STORE", "redis"), "REDIS_URL: required when RATE_LIMIT_STORE is redis");
        assertProblem(
                env("RATE_LIMIT_STORE", "redis", "REDIS_URL", "http://redis:6379"),
                "REDIS_URL: must look like redis://");
        assertEquals(
                "redis",
                ConfigLoader.load(env("RATE_LIMIT_STORE", "REDIS", "REDIS_URL", "redis://:pw@redis:6379/2"))
                        .redisUrl()
                        .orElseThrow()
                        .getHost()
                        .replace("redis", "redis"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "GATEWAY_SECRET|0123456789abcdef0123456789abcde|at least 32 characters",
                "GATEWAY_SECRET|0123456789abcdef0123456789abcdef with space|without spaces, quotes",
                "GATEWAY_SECRET|0123456789abcdef0123456789abcdef$x|'$'",
                "VLLM_API_KEY|key\"quoted|without spaces, quotes",
                "VLLM_BASE_URL|http://user:pw@vllm:8000|must not contain credentials",
                "VLLM_BASE_URL|vllm:8000|must start with http:// or https://",
                "VLLM_BASE_URL|http://vllm:8000/a b|not a valid URL",
                "OLLAMA_BASE_URL|http://ollama:11434?x=1|must not contain credentials, a query",
                "DEFAULT_BACKEND|openai|must be \"vllm\" or \"ollama\"",
                "MAX_BODY_BYTES|100|must be an integer from 1024",
                "BODY_MEMORY_BYTES|4194304|must be 0 (half the heap) or at least twice MAX_BODY_BYTES (8388608), got 4194304",
                "BODY_MEMORY_BYTES|-1|must be an integer from 0",
                "SIDECAR_PORT|-1|must be an integer from 0 to 65535",
                "SIDECAR_PORT|65536|must be an integer from 0 to 65535",
                "NGINX_LISTEN|0.0.0.0:80:80|must be a port or host:port",
                "RATE_LIMIT_FAILURE_MODE|maybe|must be \"open\" or \"closed\"",
                "RATE_LIMIT_KEY_PREFIX|has space|must be 1-64 letters",
                "REDIS_TIMEOUT_MS|5|must be an integer from 10",
                "REDIS_POOL_SIZE|0|must be an integer from 1",
                "MODELS_REFRESH_SECONDS|0|must be an integer from 1 to 86400",
                "MODELS_REFRESH_SECONDS|86401|must be an integer from 1 to 86400",
                "TLS_CERT_FILE|/etc/tls/cert.pem|give both",
                "TLS_KEY_FILE|/etc/tls/key.pem|give both",
                "NGINX_HTTP_REDIRECT_LISTEN|80|only makes sense with TLS",
                "CORS_ALLOW_ORIGINS|app.example.com|is not an origin like https://app.example.com",
                "NGINX_RESOLVER|127.0.0.11;error_log|\"127.0.0.11;error_log\" is not a DNS",
                "NGINX_RESOLVER|8.8.8.8 valid=5s|\"valid=5s\" is not a DNS",
                "NGINX_RESOLVER|dns:53:53|\"dns:53:53\" is not",
                "NGINX_RESOLVER|127.0.0.1:99999|\"127.0.0.1:99999\" is not",
                "NGINX_RESOLVER|127.0.0.1:0|(1-65535)",
                "NGINX_RESOLVER|auto 10.0.0.2|either off, auto or DNS servers",
                "NGINX_RESOLVER|off auto|either off, auto or DNS servers",
                "NGINX_RESOLVER|ipv6=off|either off, auto or DNS servers",
            })
    void variableRules(String variable, String value, String expected) {
        assertProblem(env(variable, value), variable + ": ");
        assertProblem(env(variable, value), expected);
    }

    @Test
    void resolverIsOffAutoOrDnsServersWithOptionalPorts() {
        assertEquals(
                java.util.Optional.of(new Config.Resolver(
                        List.of(
                                "127.0.0.11",
                                "[fd00::53]:5353",
                                "kube-dns.kube-system.svc.cluster.local",
                                "10.96.0.10:53"),
                        true)),
                ConfigLoader.load(env(
                                "NGINX_RESOLVER",
                                " 127.0.0.11, [fd00::53]:5353 kube-dns.kube-system.svc.cluster.local,10.96.0.10:53 "))
                        .nginx()
                        .resolver());
        assertEquals(
                java.util.Optional.of(new Config.Resolver(List.of(), false)),
                ConfigLoader.load(env("NGINX_RESOLVER", "auto ipv6=off"))
                        .nginx()
                        .resolver());
        assertTrue(ConfigLoader.load(env("NGINX_RESOLVER", "auto"))
                .nginx()
                .resolver()
                .orElseThrow()
                .auto());
        for (String off : List.of("", " ", "off")) {
            assertEquals(
                    java.util.Optional.empty(),
                    ConfigLoader.load(env("NGINX_RESOLVER", off)).nginx().resolver(),
                    off);
        }
    }

    @Test
    void sidecarPortZeroMeansAnyFreePort() {
        assertEquals(0, ConfigLoader.load(env("SIDECAR_PORT", "0")).sidecarPort());
    }

    @Test
    void secretsAreRedactedInToString() {
        Config c = ConfigLoader.load(
                env("GATEWAY_SECRET", "0123456789abcdef0123456789abcdef-secret", "VLLM_API_KEY", "vllm-key-xyz"));
        assertFalse(c.toString().contains("-secret"));
        assertFalse(c.toString().contains("vllm-key-xyz"));
        assertFalse(c.toString().contains(SECRET_TOKEN));
        assertEquals(
                "ollama",
                ConfigLoader.load(env("DEFAULT_BACKEND", "Ollama")).backends().defaultName());
    }
}
