package dev.llmproxy.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.backends.BackendType;
import dev.llmproxy.backends.ModelRef;
import dev.llmproxy.backends.UpstreamUrl;
import dev.llmproxy.contract.GatewayHeaders;
import dev.llmproxy.support.Json;
import dev.llmproxy.support.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses {@code BACKENDS_JSON} (or the file {@code BACKENDS_FILE} names): a JSON array of backends in priority
 * order. Every problem is collected, named by the entry's index and name, the field and the rule.
 */
final class BackendsJson {
    private static final Set<String> FIELDS = Set.of(
            "name",
            "type",
            "urls",
            "models",
            "aliases",
            "api_key_env",
            "headers",
            "ca_file",
            "keepalive_seconds",
            "forward_identity");
    /** A header name as written unquoted into nginx's config: letters, digits and dashes (a subset of RFC 9110's). */
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,63}");
    /** Printable ASCII without quotes, backslashes or '$': safe in nginx's quoted strings and in a header. */
    private static final Pattern HEADER_VALUE = Pattern.compile("[ !#%-\\[\\]-~&&[^$]]{0,1024}");
    /** Set by the gateway for every call, so no configured header may set them. */
    private static final Set<String> RESERVED_HEADERS = reserved();

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    /** How variables are conventionally named; an API key rarely is (not all upper case, or long). */
    private static final Pattern SHOWN_ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,47}");

    private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._/-]{1,1024}");

    private final String source;
    private final Map<String, String> env;
    private final List<String> problems;

    private BackendsJson(String source, Map<String, String> env, List<String> problems) {
        this.source = source;
        this.env = env;
        this.problems = problems;
    }

    private static Set<String> reserved() {
        Set<String> r = new HashSet<>(List.of(
                "authorization",
                "host",
                "content-length",
                "content-type",
                "transfer-encoding",
                "connection",
                "keep-alive",
                "upgrade",
                "te",
                "trailer",
                "proxy-authorization",
                "x-forwarded-for"));
        GatewayHeaders.SHARED_WITH_NGINX.forEach(h -> r.add(h.toLowerCase(Locale.ROOT)));
        return Set.copyOf(r);
    }

    /**
     * A list's valid backends, and what every entry gives as its name and its key's variable, valid or not: the
     * checks across entries and variables read those, so that they run beside an entry's own problems.
     */
    record Parsed(List<BackendSpec> valid, List<String> names, List<String> keyVariables) {
        static final Parsed NOTHING = new Parsed(List.of(), List.of(), List.of());
    }

    /** The backends {@code text} describes; {@code source} names it in messages (BACKENDS_JSON or BACKENDS_FILE). */
    static Parsed parse(String source, String text, Map<String, String> env, List<String> problems) {
        return new BackendsJson(source, env, problems).all(text);
    }

    /** The text of {@code BACKENDS_FILE}, or null (and a problem) when it cannot be read. */
    static String read(String path, List<String> problems) {
        try {
            return Files.readString(Path.of(path.strip()));
        } catch (Exception e) {
            problems.add("BACKENDS_FILE: cannot read " + path.strip() + " ("
                    + e.getClass().getSimpleName() + ")");
            return null;
        }
    }

    private Parsed all(String text) {
        JsonNode root;
        try {
            root = Json.MAPPER
                    .reader()
                    .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .readTree(text);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            problems.add(source + ": not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
            return Parsed.NOTHING;
        }
        if (root == null || !root.isArray() || root.isEmpty()) {
            problems.add(source + ": must be a non-empty JSON array of backends, such as "
                    + "[{\"name\":\"llama\",\"type\":\"openai\",\"urls\":[\"http://gpu-1:8000/v1\"]}]");
            return Parsed.NOTHING;
        }
        List<BackendSpec> specs = new ArrayList<>();
        Map<String, Integer> names = new LinkedHashMap<>();
        List<String> written = new ArrayList<>();
        List<String> keyVariables = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            BackendSpec spec = entry(i, root.get(i), names);
            if (spec != null) {
                specs.add(spec);
            }
            textual(root.get(i).get("name")).ifPresent(written::add);
            textual(root.get(i).get("api_key_env")).ifPresent(keyVariables::add);
        }
        return new Parsed(specs, List.copyOf(written), List.copyOf(keyVariables));
    }

    private static Optional<String> textual(JsonNode n) {
        return n != null && n.isTextual() ? Optional.of(n.textValue()) : Optional.empty();
    }

    private BackendSpec entry(int i, JsonNode e, Map<String, Integer> names) {
        if (!e.isObject()) {
            problems.add(source + "[" + i + "]: must be an object with name, type and urls");
            return null;
        }
        JsonNode nameNode = e.get("name");
        String name = nameNode != null && nameNode.isTextual() ? nameNode.textValue() : null;
        boolean named = name != null && BackendSpec.NAME.matcher(name).matches();
        String at = source + "[" + i + "]" + (named ? " \"" + name + "\"" : "");
        if (!named) {
            String rule = "1-32 lower-case letters, digits and dashes, starting with a letter or digit";
            problems.add(at
                    + (Given.absent(nameNode)
                            ? ": name is required: " + rule
                            : ": name must be " + rule + ", got " + Given.shown(nameNode)));
            name = null;
        } else {
            Integer first = names.putIfAbsent(name, i);
            if (first != null) {
                problems.add(at + ": name is already used by " + source + "[" + first + "]");
            }
        }
        int before = problems.size();
        for (var it = e.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                problems.add(at + ": unknown field \"" + printable(field) + "\" (known: "
                        + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
            }
        }
        BackendType type = type(at, e.get("type"));
        List<UpstreamUrl> urls = urls(at, type, e.get("urls"));
        Optional<List<String>> models = models(at, e.get("models"));
        Map<String, String> aliases = strings(at, "aliases", e.get("aliases"));
        aliases.forEach((k, v) -> {
            if (!ModelRef.isValid(k) || !ModelRef.isValid(v)) {
                problems.add(at + ": aliases: \"" + printable(k) + "\" -> \"" + printable(v)
                        + "\": both names must be 1-256 printable characters without spaces, quotes or backslashes");
            }
        });
        Optional<Secret> apiKey = apiKey(at, e.get("api_key_env"));
        Map<String, String> headers = headers(at, e.get("headers"));
        Optional<String> caFile = caFile(at, e.get("ca_file"), urls);
        Duration keepalive = keepalive(at, e.get("keepalive_seconds"));
        boolean forwardIdentity = false;
        JsonNode identity = e.get("forward_identity");
        if (identity != null && !identity.isBoolean()) {
            problems.add(at + ": forward_identity: true or false");
        } else if (identity != null) {
            forwardIdentity = identity.booleanValue();
        }
        if (type == BackendType.ECHO && (apiKey.isPresent() || !headers.isEmpty() || caFile.isPresent())) {
            problems.add(
                    at + ": an echo backend is served by the sidecar: api_key_env, headers and ca_file do not apply");
        }
        if (problems.size() > before || name == null || type == null) {
            return null;
        }
        Optional<String> apiKeyEnv = apiKey.map(k -> e.get("api_key_env").textValue());
        return new BackendSpec(
                name, type, urls, models, aliases, apiKey, apiKeyEnv, headers, caFile, keepalive, forwardIdentity);
    }

    private BackendType type(String at, JsonNode n) {
        String v = n != null && n.isTextual() ? n.textValue() : null;
        Optional<BackendType> t = v == null ? Optional.empty() : BackendType.fromWireName(v);
        if (t.isEmpty()) {
            String rule = "\"openai\" (vLLM or any OpenAI-compatible server), \"ollama\" or \"echo\"";
            problems.add(at
                    + (Given.absent(n)
                            ? ": type is required: " + rule
                            : ": type must be " + rule + ", got " + Given.shown(n)));
        }
        return t.orElse(null);
    }

    private List<UpstreamUrl> urls(String at, BackendType type, JsonNode n) {
        if (type == BackendType.ECHO) {
            if (n != null) {
                problems.add(at + ": urls: an echo backend has none (the sidecar answers it)");
            }
            return List.of();
        }
        if (Given.absent(n)) {
            problems.add(at + ": urls is required: a non-empty array of base URLs, one per replica");
            return List.of();
        }
        if (!n.isArray() || n.isEmpty()) {
            // Only the kind of value: a URL written here may hold a password.
            problems.add(at + ": urls must be a non-empty array of base URLs, one per replica, got " + Given.kind(n));
            return List.of();
        }
        List<UpstreamUrl> urls = new ArrayList<>();
        for (int j = 0; j < n.size(); j++) {
            String field = at + ": urls[" + j + "]";
            if (!n.get(j).isTextual()) {
                problems.add(field + ": must be a string");
                continue;
            }
            UpstreamUrl u = UpstreamUrl.parse(field, n.get(j).textValue(), problems);
            if (u == null) {
                continue;
            }
            if (!urls.isEmpty()
                    && (!u.scheme().equals(urls.get(0).scheme())
                            || !u.pathPrefix().equals(urls.get(0).pathPrefix()))) {
                problems.add(field + ": every replica of a backend has the same scheme and base path as urls[0]");
            } else if (!urls.isEmpty()
                    && u.scheme().equals("https")
                    && !u.host().equals(urls.get(0).host())) {
                // nginx verifies every replica's certificate for one name (proxy_ssl_name), the first URL's host
                problems.add(field + ": every https replica of a backend has urls[0]'s host name ("
                        + urls.get(0).host() + "): its certificate is verified for that name");
            } else if (urls.stream().anyMatch(o -> o.authority().equals(u.authority()))) {
                problems.add(field + ": the same replica twice");
            } else {
                urls.add(u);
            }
        }
        return urls;
    }

    private Optional<List<String>> models(String at, JsonNode n) {
        if (n == null) {
            return Optional.empty();
        }
        if (!n.isArray() || n.isEmpty()) {
            problems.add(
                    at
                            + ": models: a non-empty array of model names and prefix* patterns (leave it out to discover them)");
            return Optional.empty();
        }
        List<String> models = new ArrayList<>();
        for (JsonNode m : n) {
            String v = m.isTextual() ? m.textValue() : null;
            String bare = v != null && v.endsWith("*") ? v.substring(0, v.length() - 1) : v;
            if (v == null || (!v.equals("*") && !ModelRef.isValid(bare)) || bare.contains("*")) {
                problems.add(at + ": models: \"" + printable(String.valueOf(v))
                        + "\" is not a model name or a prefix ending in one *");
            } else {
                models.add(v);
            }
        }
        return Optional.of(models);
    }

    private Map<String, String> strings(String at, String field, JsonNode n) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null) {
            return out;
        }
        if (!n.isObject()) {
            problems.add(at + ": " + field + ": must be an object of strings");
            return out;
        }
        n.properties().forEach(f -> {
            if (!f.getValue().isTextual()) {
                problems.add(at + ": " + field + ": \"" + printable(f.getKey()) + "\" must be a string");
            } else {
                out.put(f.getKey(), f.getValue().textValue());
            }
        });
        return out;
    }

    private Optional<Secret> apiKey(String at, JsonNode n) {
        if (n == null) {
            return Optional.empty();
        }
        String var = n.isTextual() ? n.textValue() : null;
        if (var == null || !ENV_NAME.matcher(var).matches()) {
            problems.add(at
                    + ": api_key_env: the name of an environment variable that holds the key (never the key itself)");
            return Optional.empty();
        }
        String key = env.get(var);
        if (key == null || key.isBlank()) {
            // A key pasted here by mistake can look like a variable's name: only a conventional name is shown.
            problems.add(at + ": api_key_env: the variable "
                    + (SHOWN_ENV_NAME.matcher(var).matches() ? var : "it names")
                    + " is not set (api_key_env takes the name of a variable, never the key itself)");
            return Optional.empty();
        }
        if (!HEADER_VALUE.matcher(key.strip()).matches() || key.strip().contains(" ")) {
            problems.add(at + ": api_key_env: the value of " + var
                    + " must be printable ASCII without spaces, quotes, backslashes or '$'");
            return Optional.empty();
        }
        return Optional.of(new Secret(key.strip()));
    }

    private Map<String, String> headers(String at, JsonNode n) {
        Map<String, String> headers = strings(at, "headers", n);
        Map<String, String> ok = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        headers.forEach((k, v) -> {
            if (!seen.add(k.toLowerCase(Locale.ROOT))) {
                problems.add(at + ": headers: " + k + " is given twice (header names are case-insensitive)");
            } else if (!HEADER_NAME.matcher(k).matches()) {
                problems.add(at + ": headers: \"" + printable(k) + "\" is not a header name");
            } else if (RESERVED_HEADERS.contains(k.toLowerCase(Locale.ROOT))) {
                problems.add(at + ": headers: " + k + " is set by the gateway and cannot be configured");
            } else if (!HEADER_VALUE.matcher(v).matches()) {
                problems.add(at + ": headers: the value of " + k
                        + " must be printable ASCII without quotes, backslashes or '$'");
            } else {
                ok.put(k, v);
            }
        });
        return ok;
    }

    private Optional<String> caFile(String at, JsonNode n, List<UpstreamUrl> urls) {
        if (n == null) {
            return Optional.empty();
        }
        String path = n.isTextual() ? n.textValue() : null;
        if (path == null || !PATH.matcher(path).matches()) {
            problems.add(at + ": ca_file: an absolute path to a PEM bundle (letters, digits and . _ - /)");
            return Optional.empty();
        }
        if (urls.stream().noneMatch(u -> u.scheme().equals("https"))) {
            problems.add(at + ": ca_file: only for https backends");
        }
        if (!Files.isReadable(Path.of(path))) {
            problems.add(at + ": ca_file: cannot read " + path);
        } else if (!holdsCertificates(Path.of(path))) {
            problems.add(at + ": ca_file: " + path + " holds no PEM certificate");
        }
        return Optional.of(path);
    }

    /** Whether the file is a bundle of X.509 certificates (nginx and the sidecar would refuse it later otherwise). */
    private static boolean holdsCertificates(Path file) {
        try (var in = Files.newInputStream(file)) {
            return !java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificates(in)
                    .isEmpty();
        } catch (IOException | java.security.cert.CertificateException e) {
            return false;
        }
    }

    private Duration keepalive(String at, JsonNode n) {
        if (n == null) {
            return BackendSpec.DEFAULT_KEEPALIVE;
        }
        // canConvertToLong first: asLong wraps a number past 2^63 around (2^64 + 4 would be 4).
        if (!n.canConvertToExactIntegral() || !n.canConvertToLong() || n.asLong() < 0 || n.asLong() > 3600) {
            problems.add(at + ": keepalive_seconds: a whole number of seconds from 0 (no kept connections) to 3600");
            return BackendSpec.DEFAULT_KEEPALIVE;
        }
        return Duration.ofSeconds(n.asLong());
    }

    private static String printable(String s) {
        String p = s.replaceAll("[^ -~]", "?");
        return p.length() > 40 ? p.substring(0, 40) + "..." : p;
    }
}
