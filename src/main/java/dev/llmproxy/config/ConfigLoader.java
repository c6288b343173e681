package dev.llmproxy.config;

import dev.llmproxy.auth.TokenRegistry;
import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.backends.BackendType;
import dev.llmproxy.backends.Backends;
import dev.llmproxy.backends.UpstreamUrl;
import dev.llmproxy.ratelimit.FailureMode;
import dev.llmproxy.ratelimit.RateLimitStoreKind;
import dev.llmproxy.ratelimit.RedisSettings;
import dev.llmproxy.support.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds a {@link Config} from environment-style variables. Every rule is checked and every problem is
 * collected before failing, so an operator fixes a configuration in one round. No message ever contains
 * a token or a secret.
 */
public final class ConfigLoader {
    public static final long DEFAULT_MAX_BODY_BYTES = 4L * 1024 * 1024;
    /** The variables the gateway reads (GATEWAY_SECRET_FILE via {@link SecretFile}); deployment files are checked against this list. */
    public static final List<String> VARIABLES = List.of(
            "BACKENDS_JSON",
            "BACKENDS_FILE",
            "DEFAULT_BACKEND",
            "OLLAMA_BASE_URL",
            "VLLM_BASE_URL",
            "VLLM_API_KEY",
            "TOKENS_JSON",
            "TOKENS_FILE",
            "RATE_LIMIT_STORE",
            "REDIS_URL",
            "RATE_LIMIT_FAILURE_MODE",
            "RATE_LIMIT_KEY_PREFIX",
            "REDIS_TIMEOUT_MS",
            "REDIS_POOL_SIZE",
            "MAX_BODY_BYTES",
            "BODY_MEMORY_BYTES",
            "SIDECAR_HOST",
            "SIDECAR_PORT",
            "GATEWAY_SECRET",
            SecretFile.VARIABLE,
            "UPSTREAM_CONNECT_TIMEOUT_SECONDS",
            "UPSTREAM_READ_TIMEOUT_SECONDS",
            "NGINX_LISTEN",
            "TLS_CERT_FILE",
            "TLS_KEY_FILE",
            "NGINX_HTTP_REDIRECT_LISTEN",
            "CORS_ALLOW_ORIGINS",
            "NGINX_RESOLVER",
            "MODELS_REFRESH_SECONDS");

    private static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.-]+(:\\d{1,5})?");
    private static final Pattern KEY_PREFIX = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    /** Safe inside a quoted nginx string and an HTTP header: no space, quote, backslash, '$' or braces. */
    private static final Pattern CONFIG_SECRET = Pattern.compile("[!#%-\\[\\]-z|~]+");

    private static final Pattern LISTEN = Pattern.compile("(?:(?:\\[[0-9a-fA-F:.]+]|[A-Za-z0-9.-]+):)?\\d{1,5}");
    /** A DNS server as nginx's {@code resolver} takes it: an address or a name, with a port or not. */
    private static final Pattern RESOLVER =
            Pattern.compile("(?:\\[[0-9a-fA-F:.]+]|[A-Za-z0-9][A-Za-z0-9.-]*)(?::(\\d{1,5}))?");

    private static final int MIN_GATEWAY_SECRET_LENGTH = 32;

    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    private ConfigLoader(Map<String, String> env) {
        this.env = env;
    }

    /** The problems of a TOKENS_JSON value alone, by the configuration's rules (mint-token checks its entry so). */
    public static List<String> tokenProblems(String tokensJson) {
        List<String> problems = new ArrayList<>();
        TokensJson.parse(tokensJson, problems);
        return problems;
    }

    /** Parses and validates; throws {@link ConfigException} naming every problem. */
    public static Config load(Map<String, String> env) {
        return new ConfigLoader(env).build();
    }

    private Config build() {
        Backends backends = backends();
        Optional<java.nio.file.Path> tokensFile = Optional.empty();
        TokenRegistry tokens;
        if (present("TOKENS_FILE")) {
            tokensFile =
                    Optional.of(java.nio.file.Path.of(env.get("TOKENS_FILE").strip()));
            if (present("TOKENS_JSON")) {
                problems.add("TOKENS_JSON, TOKENS_FILE: set one of them, not both");
            }
            tokens = tokensFromFile(tokensFile.get());
        } else {
            tokens = TokensJson.parse(env.get("TOKENS_JSON"), problems);
        }
        RateLimitStoreKind store = store();
        Optional<URI> redisUrl = redisUrl(store);
        RedisSettings redis = redisSettings();
        long maxBody = integer("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 1024, 64L * 1024 * 1024);
        long bodyMemory = integer("BODY_MEMORY_BYTES", 0, 0, 1L << 40); // 0: half the sidecar's heap
        if (bodyMemory > 0 && bodyMemory < 2 * maxBody) { // a call counts twice its body
            problems.add("BODY_MEMORY_BYTES: must be 0 (half the heap) or at least twice MAX_BODY_BYTES (" + 2 * maxBody
                    + "), got " + bodyMemory);
        }
        String sidecarHost = text("SIDECAR_HOST", "127.0.0.1");
        int sidecarPort = (int) integer("SIDECAR_PORT", 8081, 0, 65535); // 0: any free port (tests)
        Optional<Secret> gatewaySecret = secret("GATEWAY_SECRET", MIN_GATEWAY_SECRET_LENGTH);
        if (gatewaySecret.isPresent() && gatewaySecret.get().value().startsWith("change-me")) {
            problems.add(
                    "GATEWAY_SECRET: still the placeholder of deploy/k8s/secret.yaml: use the output of openssl rand -hex 32");
        }
        long connect = integer("UPSTREAM_CONNECT_TIMEOUT_SECONDS", 5, 1, 300);
        long read = integer("UPSTREAM_READ_TIMEOUT_SECONDS", 600, 1, 86_400);
        Config.NginxSettings nginx = nginxSettings();
        long modelsRefresh = integer("MODELS_REFRESH_SECONDS", 60, 1, 86_400);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Config(
                backends,
                tokens,
                store,
                redisUrl,
                redis,
                maxBody,
                bodyMemory,
                sidecarHost,
                sidecarPort,
                gatewaySecret,
                Duration.ofSeconds(connect),
                Duration.ofSeconds(read),
                nginx,
                Duration.ofSeconds(modelsRefresh),
                tokensFile);
    }

    private String text(String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v.strip();
    }

    /**
     * {@code BACKENDS_JSON} or {@code BACKENDS_FILE}; without either, {@code VLLM_BASE_URL}, {@code VLLM_API_KEY}
     * and {@code OLLAMA_BASE_URL} define backends named {@code vllm} and {@code ollama}, as they always did.
     */
    private Backends backends() {
        boolean json = present("BACKENDS_JSON");
        boolean file = present("BACKENDS_FILE");
        if (!json && !file) {
            return legacy();
        }
        if (json && file) {
            problems.add("BACKENDS_JSON, BACKENDS_FILE: set one of them, not both");
        }
        String source = json ? "BACKENDS_JSON" : "BACKENDS_FILE";
        // Read even beside BACKENDS_JSON: a file that cannot be read is a problem of its own.
        String fileText = file ? BackendsJson.read(env.get("BACKENDS_FILE"), problems) : null;
        String text = json ? env.get("BACKENDS_JSON") : fileText;
        int at = problems.size();
        BackendsJson.Parsed list =
                text == null ? BackendsJson.Parsed.NOTHING : BackendsJson.parse(source, text, env, problems);
        // A list may keep a key where it always was: "api_key_env": "VLLM_API_KEY" is not the older style.
        List<String> conflicting = Stream.of("VLLM_BASE_URL", "VLLM_API_KEY", "OLLAMA_BASE_URL")
                .filter(this::present)
                .filter(v -> !list.keyVariables().contains(v))
                .toList();
        if (!conflicting.isEmpty()) {
            problems.add(
                    at,
                    source + ": cannot be combined with " + String.join(", ", conflicting) + "; remove "
                            + (conflicting.size() == 1 ? "it" : "them")
                            + " (backends named vllm and ollama can be entries of "
                            + source + ")");
        }
        Optional<String> defaultName = Optional.ofNullable(env.get("DEFAULT_BACKEND"))
                .map(String::strip)
                .filter(s -> !s.isEmpty());
        // Against every name written, valid or not: a default naming an entry whose name was refused is that entry's
        // problem, not a second one. Nothing to check against when no entry could be read.
        if (defaultName.isPresent() && !list.names().isEmpty() && !list.names().contains(defaultName.get())) {
            List<String> valid = list.names().stream()
                    .filter(n -> BackendSpec.NAME.matcher(n).matches())
                    .distinct()
                    .toList();
            problems.add("DEFAULT_BACKEND: \"" + printable(defaultName.get()) + "\" is not the name of a backend ("
                    + (valid.isEmpty() ? "no entry has a valid name yet" : "names: " + String.join(", ", valid))
                    + ")");
        }
        boolean named = defaultName.isPresent()
                && list.valid().stream().anyMatch(b -> b.name().equals(defaultName.get()));
        return new Backends(list.valid(), named ? defaultName : Optional.empty());
    }

    /** The backends {@code vllm} and {@code ollama} of the older variables, and DEFAULT_BACKEND naming one. */
    private Backends legacy() {
        List<BackendSpec> specs = legacyBackends();
        String defaultName = text("DEFAULT_BACKEND", "vllm").toLowerCase(Locale.ROOT);
        if (!List.of("vllm", "ollama").contains(defaultName)) {
            problems.add("DEFAULT_BACKEND: must be \"vllm\" or \"ollama\", got \"" + printable(defaultName) + "\"");
            return new Backends(specs, Optional.empty());
        }
        boolean named = specs.stream().anyMatch(b -> b.name().equals(defaultName));
        return new Backends(specs, named ? Optional.of(defaultName) : Optional.empty());
    }

    private List<BackendSpec> legacyBackends() {
        UpstreamUrl ollama =
                UpstreamUrl.parse("OLLAMA_BASE_URL", text("OLLAMA_BASE_URL", "http://127.0.0.1:11434"), problems);
        UpstreamUrl vllm = UpstreamUrl.parse("VLLM_BASE_URL", text("VLLM_BASE_URL", "http://127.0.0.1:8000"), problems);
        Optional<Secret> vllmApiKey = secret("VLLM_API_KEY", 1);
        if (ollama == null || vllm == null) {
            return List.of();
        }
        return List.of(
                new BackendSpec(
                        "vllm",
                        BackendType.OPENAI,
                        List.of(vllm),
                        Optional.empty(),
                        Map.of(),
                        vllmApiKey,
                        vllmApiKey.map(k -> "VLLM_API_KEY"),
                        Map.of(),
                        Optional.empty(),
                        BackendSpec.DEFAULT_KEEPALIVE,
                        true), // the gateway's notes, as vLLM always received them
                new BackendSpec(
                        "ollama",
                        BackendType.OLLAMA,
                        List.of(ollama),
                        Optional.empty(),
                        Map.of(),
                        Optional.empty(),
                        Optional.empty(),
                        Map.of(),
                        Optional.empty(),
                        BackendSpec.DEFAULT_KEEPALIVE,
                        false));
    }

    /** TOKENS_FILE's tokens, with its problems named after it. */
    private TokenRegistry tokensFromFile(java.nio.file.Path file) {
        String text;
        try {
            text = java.nio.file.Files.readString(file);
        } catch (java.io.IOException e) {
            problems.add(
                    "TOKENS_FILE: cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
            return new TokenRegistry(List.of());
        }
        return TokensJson.parse("TOKENS_FILE", text, problems);
    }

    private boolean present(String name) {
        String v = env.get(name);
        return v != null && !v.isBlank();
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
            problems.add(given + ": set without " + (hasCert ? "TLS_KEY_FILE" : "TLS_CERT_FILE")
                    + "; give both PEM files to serve HTTPS, or neither");
        } else if (hasCert) {
            for (String[] f : new String[][] {{"TLS_CERT_FILE", cert.strip()}, {"TLS_KEY_FILE", key.strip()}}) {
                if (!f[1].startsWith("/") || !CONFIG_SECRET.matcher(f[1]).matches()) {
                    problems.add(f[0] + ": must be an absolute path without spaces, quotes or '$'");
                }
            }
            tls = Optional.of(new Config.Tls(cert.strip(), key.strip()));
        }
        Optional<String> redirect = Optional.empty();
        if (env.get("NGINX_HTTP_REDIRECT_LISTEN") != null
                && !env.get("NGINX_HTTP_REDIRECT_LISTEN").isBlank()) {
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
                problems.add("CORS_ALLOW_ORIGINS: \"" + printable(origin)
                        + "\" is not an origin like https://app.example.com[:port] (or *)");
            } else {
                origins.add(origin);
            }
        }
        return new Config.NginxSettings(listen, tls, redirect, List.copyOf(origins), resolver());
    }

    /** {@code off} (or empty), {@code auto}, or DNS servers; either of the last two may add {@code ipv6=off}. */
    private Optional<Config.Resolver> resolver() {
        List<String> words = new ArrayList<>();
        for (String w : text("NGINX_RESOLVER", "").split("[\\s,]+")) {
            if (!w.isEmpty()) {
                words.add(w);
            }
        }
        if (words.isEmpty() || words.equals(List.of("off"))) {
            return Optional.empty();
        }
        List<String> servers = new ArrayList<>();
        boolean auto = false;
        boolean ipv6 = true;
        boolean invalid = false;
        for (String w : words) {
            Matcher server = RESOLVER.matcher(w);
            if (w.equals("auto")) {
                auto = true;
            } else if (w.equals("ipv6=off") || w.equals("ipv6=on")) {
                ipv6 = w.equals("ipv6=on");
            } else if (server.matches() && (server.group(1) == null || inRange(server.group(1), 1, 65535))) {
                servers.add(w);
            } else {
                problems.add("NGINX_RESOLVER: \"" + printable(w) + "\" is not a DNS server's address or name with an"
                        + " optional port (1-65535), auto, or ipv6=off");
                invalid = true;
            }
        }
        if (!invalid && (auto == !servers.isEmpty() || words.contains("off"))) {
            problems.add("NGINX_RESOLVER: either off, auto or DNS servers (e.g. 127.0.0.11 or"
                    + " kube-dns.kube-system.svc.cluster.local), optionally with ipv6=off");
        }
        return Optional.of(new Config.Resolver(List.copyOf(servers), ipv6));
    }

    private static boolean inRange(String digits, int min, int max) {
        try {
            int n = Integer.parseInt(digits);
            return n >= min && n <= max;
        } catch (NumberFormatException e) {
            return false;
        }
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
                problems.add(
                        "RATE_LIMIT_FAILURE_MODE: must be \"open\" or \"closed\", got \"" + printable(mode) + "\"");
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

    /** Shows a configured value in a message, cut short and without control characters. */
    static String printable(String v) {
        String s = v.replaceAll("\\p{Cntrl}", "?");
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
