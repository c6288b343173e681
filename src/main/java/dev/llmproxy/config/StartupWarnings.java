package dev.llmproxy.config;

import dev.llmproxy.backends.BackendSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a valid configuration may still get wrong, said once at start-up: a variable that looks like one of
 * ours but is not (a typo is otherwise silently ignored): one with our prefixes, or within two characters of one of
 * our names; and the dev token of {@code .env.example} in use.
 */
public final class StartupWarnings {
    /** The token {@code .env.example} ships with, for trying the gateway on one's own machine. */
    static final String DEV_TOKEN = "sk-dev-change-me-0123456789";

    private static final List<String> OUR_PREFIXES = List.of(
            "BACKENDS_",
            "DEFAULT_BACKEND",
            "VLLM_",
            "OLLAMA_",
            "TOKENS_",
            "RATE_",
            "REDIS_",
            "MAX_BODY",
            "BODY_MEMORY",
            "SIDECAR_",
            "GATEWAY_",
            "UPSTREAM_",
            "NGINX_",
            "TLS_",
            "CORS_",
            "MODELS_REFRESH");

    /** Read by docker compose, not by the gateway (documented in .env.example with the others). */
    private static final Set<String> COMPOSE_ONLY = Set.of(
            "GATEWAY_PORT", "GATEWAY_BIND", "NGINX_CONTAINER_LISTEN", "NGINX_HEALTH_URL", "VLLM_MODEL", "TLS_DIR");

    /** Read by ./gateway, scripts/ and the tests (CONTRIBUTING.md), in the same shell as the gateway's own. */
    private static final Set<String> DEVELOPMENT = Set.of(
            "NGINX_BIN",
            "NGINX_RESOLVE_BIN",
            "REDIS_SERVER_BIN",
            "COMPOSE_BIN",
            "NGINX_RESOLVE_SUITE",
            "COMPOSE_SUITE",
            "DEBIAN_MIRROR");

    /**
     * How far a name may be from one of ours to be taken for a typo of it: TOKEN_JSON, RATELIMIT_STORE. The
     * environment's usual names (PATH, JAVA_HOME, SSL_CERT_FILE, ...) are all further from ours than this.
     */
    private static final int TYPO_DISTANCE = 2;

    private StartupWarnings() {}

    /** Kubernetes' service links: VLLM_SERVICE_HOST, OLLAMA_PORT_11434_TCP_ADDR and the like, for every Service. */
    private static boolean serviceLink(String name) {
        return name.matches(".*_(SERVICE_HOST|SERVICE_PORT(_.*)?|PORT(_\\d+_(TCP|UDP)(_.*)?)?)");
    }

    /** The documented name nearest to {@code name} (in any case) within {@link #TYPO_DISTANCE}, the first of a tie. */
    private static Optional<String> closest(String name, List<String> documented) {
        String upper = name.toUpperCase(Locale.ROOT);
        String best = null;
        int bestDistance = TYPO_DISTANCE + 1;
        for (String candidate : documented) {
            int d = distance(upper, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Levenshtein's: the fewest characters inserted, deleted or replaced to turn {@code a} into {@code b}. */
    static int distance(String a, String b) {
        if (Math.abs(a.length() - b.length()) > TYPO_DISTANCE) {
            return TYPO_DISTANCE + 1; // the answer is only compared with TYPO_DISTANCE
        }
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int replace = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(replace, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    public static List<String> of(Map<String, String> env, Config config) {
        List<String> warnings = new ArrayList<>();
        Set<String> known = new HashSet<>(ConfigLoader.VARIABLES);
        // A backend's key may sit in a variable of any name (its api_key_env): those are read too.
        for (BackendSpec b : config.backends().all()) {
            b.apiKeyEnv().ifPresent(known::add);
        }
        List<String> documented = new ArrayList<>(ConfigLoader.VARIABLES);
        documented.addAll(new TreeSet<>(COMPOSE_ONLY));
        for (String name : new TreeSet<>(env.keySet())) {
            if (known.contains(name)
                    || COMPOSE_ONLY.contains(name)
                    || DEVELOPMENT.contains(name)
                    || serviceLink(name)) {
                continue;
            }
            Optional<String> meant = closest(name, documented);
            if (meant.isPresent()) {
                warnings.add(name + ": not a variable llm-proxy reads (did you mean " + meant.get() + "?); ignored");
            } else if (OUR_PREFIXES.stream().anyMatch(name::startsWith)) {
                warnings.add(name + ": not a variable llm-proxy reads (misspelled? see .env.example); ignored");
            }
        }
        if (config.tokens().find(DEV_TOKEN).isPresent()) {
            warnings.add("TOKENS_JSON: the dev token of .env.example is in use: replace it before anyone else can reach"
                    + " the gateway (./gateway mint-token --label NAME)");
        }
        return warnings;
    }
}
