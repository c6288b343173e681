package dev.llmproxy.config;

import dev.llmproxy.backends.BackendSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a valid configuration may still get wrong, said once at start-up: a variable that looks like one of
 * ours but is not (a typo is otherwise silently ignored), and the dev token of {@code .env.example} in use.
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
    private static final Set<String> COMPOSE_ONLY =
            Set.of("GATEWAY_PORT", "GATEWAY_BIND", "NGINX_CONTAINER_LISTEN", "NGINX_HEALTH_URL", "VLLM_MODEL");

    private StartupWarnings() {}

    /** Kubernetes' service links: VLLM_SERVICE_HOST, OLLAMA_PORT_11434_TCP_ADDR and the like, for every Service. */
    private static boolean serviceLink(String name) {
        return name.matches(".*_(SERVICE_HOST|SERVICE_PORT(_.*)?|PORT(_\\d+_(TCP|UDP)(_.*)?)?)");
    }

    public static List<String> of(Map<String, String> env, Config config) {
        List<String> warnings = new ArrayList<>();
        Set<String> known = new HashSet<>(ConfigLoader.VARIABLES);
        // A backend's key may sit in a variable of any name (its api_key_env): those are read too.
        for (BackendSpec b : config.backends().all()) {
            b.apiKeyEnv().ifPresent(known::add);
        }
        for (String name : new TreeSet<>(env.keySet())) {
            if (!known.contains(name)
                    && !COMPOSE_ONLY.contains(name)
                    && !serviceLink(name)
                    && OUR_PREFIXES.stream().anyMatch(name::startsWith)) {
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
