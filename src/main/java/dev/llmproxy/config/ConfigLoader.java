package dev.llmproxy.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.auth.BearerToken;
import dev.llmproxy.auth.ModelAllowlist;
import dev.llmproxy.auth.Token;
import dev.llmproxy.auth.TokenDigest;
import dev.llmproxy.auth.TokenRegistry;
import dev.llmproxy.ratelimit.FailureMode;
import dev.llmproxy.ratelimit.Quota;
import dev.llmproxy.ratelimit.RateLimitStoreKind;
import dev.llmproxy.ratelimit.RedisSettings;
import dev.llmproxy.routing.Backend;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Builds a {@link Config} from environment-style variables. Every rule is checked and every problem is
 * collected before failing, so an operator fixes a configuration in one round. No message ever contains
 * a token or a secret.
 */
public final class ConfigLoader {
    public static final long DEFAULT_MAX_BODY_BYTES = 4L * 1024 * 1024;
    /** The variables the gateway reads (GATEWAY_SECRET_FILE via {@link SecretFile}); deployment files are checked against this list. */
    public static final List<String> VARIABLES = List.of(
            "DEFAULT_BACKEND", "OLLAMA_BASE_URL", "VLLM_BASE_URL", "VLLM_API_KEY", "TOKENS_JSON",
            "RATE_LIMIT_STORE", "REDIS_URL", "RATE_LIMIT_FAILURE_MODE", "RATE_LIMIT_KEY_PREFIX", "REDIS_TIMEOUT_MS",
            "REDIS_POOL_SIZE", "MAX_BODY_BYTES", "BODY_MEMORY_BYTES", "SIDECAR_HOST", "SIDECAR_PORT",
            "GATEWAY_SECRET", SecretFile.VARIABLE, "UPSTREAM_CONNECT_TIMEOUT_SECONDS", "UPSTREAM_READ_TIMEOUT_SECONDS", "NGINX_LISTEN",
            "TLS_CERT_FILE", "TLS_KEY_FILE", "NGINX_HTTP_REDIRECT_LISTEN", "CORS_ALLOW_ORIGINS");

    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.-]+(:\\d{1,5})?");
    private static final Pattern KEY_PREFIX = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");
    /** Safe inside a quoted nginx string and an HTTP header: no space, quote, backslash, '$' or braces. */
    private static final Pattern CONFIG_SECRET = Pattern.compile("[!#%-\\[\\]-z|~]+");
    private static final Pattern LISTEN = Pattern.compile("(?:(?:\\[[0-9a-fA-F:.]+]|[A-Za-z0-9.-]+):)?\\d{1,5}");
    private static final Set<String> ENTRY_FIELDS = Set.of("token", "token_sha256", "label", "rpm", "rpd", "models");
    private static final int MIN_TOKEN_LENGTH = 8;
    /** The limiter spaces requests in whole microseconds: at most one per µs-period of its window. */
    static final long MAX_RPM = 1_000_000;
    static final long MAX_RPD = 1_000_000_000;
    private static final int MIN_GATEWAY_SECRET_LENGTH = 32;

    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    private ConfigLoader(Map<String, String> env) {
        this.env = env;
    }

    /** Parses and validates; throws {@link ConfigException} naming every problem. */
    public static Config load(Map<String, String> env) {
        return new ConfigLoader(env).build();
    }

    private Config build() {
        Backend defaultBackend = backend();
        UpstreamUrl ollama = UpstreamUrl.parse("OLLAMA_BASE_URL", text("OLLAMA_BASE_URL", "http://127.0.0.1:11434"), problems);
        UpstreamUrl vllm = UpstreamUrl.parse("VLLM_BASE_URL", text("VLLM_BASE_URL", "http://127.0.0.1:8000"), problems);
        Optional<Secret> vllmApiKey = secret("VLLM_API_KEY", 1);
        TokenRegistry tokens = tokens();
        RateLimitStoreKind store = store();
        Optional<URI> redisUrl = redisUrl(store);
        RedisSettings redis = redisSettings();
        long maxBody = integer("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 1024, 64L * 1024 * 1024);
        long bodyMemory = integer("BODY_MEMORY_BYTES", 0, 0, 1L << 40); // 0: half the sidecar's heap
        if (bodyMemory > 0 && bodyMemory < 2 * maxBody) { // a call counts twice its body
            problems.add("BODY_MEMORY_BYTES: must be 0 (half the heap) or at least twice MAX_BODY_BYTES (" + 2 * maxBody + "), got " + bodyMemory);
        }
        String sidecarHost = text("SIDECAR_HOST", "127.0.0.1");
        int sidecarPort = (int) integer("SIDECAR_PORT", 8081, 1, 65535);
        Optional<Secret> gatewaySecret = secret("GATEWAY_SECRET", MIN_GATEWAY_SECRET_LENGTH);
        long connect = integer("UPSTREAM_CONNECT_TIMEOUT_SECONDS", 5, 1, 300);
        long read = integer("UPSTREAM_READ_TIMEOUT_SECONDS", 600, 1, 86_400);
        Config.NginxSettings nginx = nginxSettings();
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Config(defaultBackend, ollama, vllm, vllmApiKey, tokens, store, redisUrl, redis, maxBody, bodyMemory, sidecarHost,
                sidecarPort, gatewaySecret, Duration.ofSeconds(connect), Duration.ofSeconds(read), nginx);
    }

    private String text(String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v.strip();
    }

    private Backend backend() {
        String v = text("DEFAULT_BACKEND", "vllm").toLowerCase(Locale.ROOT);
        return Backend.fromWireName(v).orElseGet(() -> {
            problems.add("DEFAULT_BACKEND: must be \"vllm\" or \"ollama\", got \"" + printable(v) + "\"");
            return Backend.VLLM;
        });
    }

    private RateLimitStoreKind store() {
        String v = text("RATE_LIMIT_STORE", "memory").toLowerCase(Locale.ROOT);
        return switch (v) {
            case "memory" -> RateLimitStoreKind.MEMORY;
            case "redis" -> RateLimitStoreKind.REDIS;
            default -> {
                problems.add("RATE_LIMIT_STORE: must be \"memory\" or \"redis\", got \"" + printable(v) + "\"");
                yield RateLimitStoreKind.MEMORY;
            }
        };
    }

    private Config.NginxSettings nginxSettings() {
        String listen = listen("NGINX_LISTEN", "127.0.0.1:8080");
        String cert = env.get("TLS_CERT_FILE");
        String key = env.get("TLS_KEY_FILE");
        boolean hasCert = cert != null && !cert.isBlank();
        boolean hasKey = key != null && !key.isBlank();
        Optional<Config.Tls> tls = Optional.empty();
        if (hasCert != hasKey) {
            String given = hasCert ? "TLS_CERT_FILE" : "TLS_KEY_FILE";
            problems.add(given + ": set without " + (hasCert ? "TLS_KEY_FILE" : "TLS_CERT_FILE") + "; give both PEM files to serve HTTPS, or neither");
        } else if (hasCert) {
            for (String[] f : new String[][] {{"TLS_CERT_FILE", cert.strip()}, {"TLS_KEY_FILE", key.strip()}}) {
                if (!f[1].startsWith("/") || !CONFIG_SECRET.matcher(f[1]).matches()) {
                    problems.add(f[0] + ": must be an absolute path without spaces, quotes or '$'");
                }
            }
            tls = Optional.of(new Config.Tls(cert.strip(), key.strip()));
        }
        Optional<String> redirect = Optional.empty();
        if (env.get("NGINX_HTTP_REDIRECT_LISTEN") != null && !env.get("NGINX_HTTP_REDIRECT_LISTEN").isBlank()) {
            redirect = Optional.of(listen("NGINX_HTTP_REDIRECT_LISTEN", ""));
            if (tls.isEmpty()) {
                problems.add("NGINX_HTTP_REDIRECT_LISTEN: only makes sense with TLS_CERT_FILE and TLS_KEY_FILE");
            }
        }
        List<String> origins = new ArrayList<>();
        for (String o : text("CORS_ALLOW_ORIGINS", "").split(",")) {
            String origin = o.strip();
            if (origin.isEmpty()) {
                continue;
            }
            if (!origin.equals("*") && !ORIGIN.matcher(origin).matches()) {
                problems.add("CORS_ALLOW_ORIGINS: \"" + printable(origin) + "\" is not an origin like https://app.example.com[:port] (or *)");
            } else {
                origins.add(origin);
            }
        }
        return new Config.NginxSettings(listen, tls, redirect, List.copyOf(origins));
    }

    private String listen(String name, String fallback) {
        String listen = text(name, fallback);
        if (!LISTEN.matcher(listen).matches()) {
            problems.add(name + ": must be a port or host:port, got \"" + printable(listen) + "\"");
        }
        return listen;
    }

    private RedisSettings redisSettings() {
        String mode = text("RATE_LIMIT_FAILURE_MODE", "open").toLowerCase(Locale.ROOT);
        FailureMode failureMode = switch (mode) {
            case "open" -> FailureMode.OPEN;
            case "closed" -> FailureMode.CLOSED;
            default -> {
                problems.add("RATE_LIMIT_FAILURE_MODE: must be \"open\" or \"closed\", got \"" + printable(mode) + "\"");
                yield FailureMode.OPEN;
            }
        };
        String prefix = text("RATE_LIMIT_KEY_PREFIX", "llm-proxy:");
        if (!KEY_PREFIX.matcher(prefix).matches()) {
            problems.add("RATE_LIMIT_KEY_PREFIX: must be 1-64 letters, digits or . _ : - characters");
        }
        long timeout = integer("REDIS_TIMEOUT_MS", 250, 10, 10_000);
        long pool = integer("REDIS_POOL_SIZE", 4, 1, 4096);
        return new RedisSettings(prefix, failureMode, Duration.ofMillis(timeout), (int) pool);
    }

    private Optional<URI> redisUrl(RateLimitStoreKind store) {
        String v = env.get("REDIS_URL");
        if (v == null || v.isBlank()) {
            if (store == RateLimitStoreKind.REDIS) {
                problems.add("REDIS_URL: required when RATE_LIMIT_STORE is redis");
            }
            return Optional.empty();
        }
        try {
            URI uri = new URI(v.strip());
            if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme()) || uri.getHost() == null) {
                problems.add("REDIS_URL: must look like redis://host:6379 or rediss://host:6380");
                return Optional.empty();
            }
            return Optional.of(uri);
        } catch (Exception e) {
            problems.add("REDIS_URL: not a valid URL");
            return Optional.empty();
        }
    }

    private long integer(String name, long fallback, long min, long max) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problems.add(name + ": must be an integer from " + min + " to " + max + ", got \"" + printable(v) + "\"");
        return fallback;
    }

    private Optional<Secret> secret(String name, int minLength) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        v = v.strip();
        if (v.length() < minLength) {
            problems.add(name + ": must be at least " + minLength + " characters");
        } else if (!CONFIG_SECRET.matcher(v).matches()) {
            problems.add(name + ": must be printable ASCII without spaces, quotes, backslashes, '$', '{' or '}'");
        }
        return Optional.of(new Secret(v));
    }

    private TokenRegistry tokens() {
        String raw = env.get("TOKENS_JSON");
        if (raw == null || raw.isBlank()) {
            problems.add("TOKENS_JSON: required: a JSON array such as [{\"token\":\"...\",\"label\":\"team-a\",\"rpm\":60,\"rpd\":1000}]");
            return new TokenRegistry(List.of());
        }
        JsonNode root;
        try {
            ObjectMapper mapper = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = mapper.readTree(raw);
        } catch (JsonProcessingException e) {
            // Only the position: Jackson's own message quotes the input, which holds tokens.
            var at = e.getLocation();
            problems.add("TOKENS_JSON: not valid JSON" + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
            return new TokenRegistry(List.of());
        }
        if (!root.isArray() || root.isEmpty()) {
            problems.add("TOKENS_JSON: must be a non-empty JSON array of token entries");
            return new TokenRegistry(List.of());
        }
        List<Token> tokens = new ArrayList<>();
        Map<String, String> labelsSeen = new HashMap<>();
        Map<TokenDigest, String> digestsSeen = new HashMap<>();
        for (int i = 0; i < root.size(); i++) {
            Token t = token(i, root.get(i));
            if (t == null) {
                continue;
            }
            String where = "TOKENS_JSON[" + i + "] \"" + t.label() + "\"";
            String earlier = labelsSeen.putIfAbsent(t.label(), where);
            if (earlier != null) {
                problems.add(where + ": label is already used by " + earlier);
                continue;
            }
            String sameToken = digestsSeen.putIfAbsent(t.digest(), where);
            if (sameToken != null) {
                problems.add(where + ": same token as " + sameToken);
                continue;
            }
            tokens.add(t);
        }
        return new TokenRegistry(tokens);
    }

    private Token token(int index, JsonNode entry) {
        if (!entry.isObject()) {
            problems.add("TOKENS_JSON[" + index + "]: must be an object");
            return null;
        }
        JsonNode labelNode = entry.get("label");
        boolean labelOk = labelNode != null && labelNode.isTextual() && LABEL.matcher(labelNode.asText()).matches();
        String where = "TOKENS_JSON[" + index + "]" + (labelOk ? " \"" + labelNode.asText() + "\"" : "");
        int before = problems.size();
        if (!labelOk) {
            problems.add(where + ": label is required: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        entry.fieldNames().forEachRemaining(f -> {
            if (!ENTRY_FIELDS.contains(f)) {
                problems.add(where + ": unknown field \"" + printable(f) + "\" (known: token, token_sha256, label, rpm, rpd, models)");
            }
        });
        TokenDigest digest = digest(where, entry.get("token"), entry.get("token_sha256"));
        long rpm = limit(where, "rpm", entry.get("rpm"), MAX_RPM);
        long rpd = limit(where, "rpd", entry.get("rpd"), MAX_RPD);
        ModelAllowlist models = models(where, entry.get("models"));
        if (problems.size() > before) {
            return null;
        }
        return new Token(labelNode.asText(), digest, new Quota(rpm, rpd), models);
    }

    private TokenDigest digest(String where, JsonNode token, JsonNode sha) {
        if ((token == null) == (sha == null)) {
            problems.add(where + ": exactly one of \"token\" or \"token_sha256\" is required");
            return null;
        }
        if (token != null) {
            String t = token.isTextual() ? token.asText() : "";
            if (t.length() < MIN_TOKEN_LENGTH || t.length() > BearerToken.MAX_LENGTH || !BearerToken.SYNTAX.matcher(t).matches()) {
                problems.add(where + ": token must be " + MIN_TOKEN_LENGTH + "-" + BearerToken.MAX_LENGTH
                        + " characters of A-Z a-z 0-9 - . _ ~ + / (optionally ending in =)");
                return null;
            }
            return TokenDigest.of(t);
        }
        if (!sha.isTextual() || !HEX64.matcher(sha.asText()).matches()) {
            problems.add(where + ": token_sha256 must be 64 hex digits (the SHA-256 of the token)");
            return null;
        }
        return TokenDigest.fromHex(sha.asText().toLowerCase(Locale.ROOT));
    }

    private long limit(String where, String field, JsonNode value, long max) {
        if (value == null || value.isNull()) {
            return 0; // no limit on this window
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() <= 0) {
            problems.add(where + ": " + field + " must be a positive integer (or absent for no limit), got " + printable(value.toString()));
            return 0;
        }
        if (value.asLong() > max) {
            problems.add(where + ": " + field + " must be at most " + max + " (omit it for no limit), got " + value.asLong());
            return 0;
        }
        return value.asLong();
    }

    private ModelAllowlist models(String where, JsonNode value) {
        if (value == null || value.isNull()) {
            return ModelAllowlist.ANY;
        }
        List<String> patterns = new ArrayList<>();
        if (!value.isArray() || value.isEmpty()) {
            problems.add(where + ": models must be a non-empty array of model names or prefixes ending in '*'");
            return ModelAllowlist.ANY;
        }
        for (JsonNode p : value) {
            String s = p.isTextual() ? p.asText() : "";
            if (s.isEmpty() || s.indexOf('*') != -1 && s.indexOf('*') != s.length() - 1) {
                problems.add(where + ": models entries must be non-empty strings, '*' only at the end, got " + printable(p.toString()));
            } else {
                patterns.add(s);
            }
        }
        return new ModelAllowlist(patterns);
    }

    /** Shows a configured value in a message, cut short and without control characters. */
    private static String printable(String v) {
        String s = v.replaceAll("\\p{Cntrl}", "?");
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
