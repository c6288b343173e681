package dev.llmproxy.backends;

import dev.llmproxy.support.Secret;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One configured backend: the replicas that serve the same models, and how to reach them.
 *
 * @param name unique, {@link #NAME}; also the model prefix {@code name:} that picks this backend
 * @param urls the replicas (none for {@link BackendType#ECHO}); one scheme and one base path for all
 * @param models exact names and {@code prefix*} patterns; empty when the models are discovered from the replicas
 * @param aliases client name to the backend's name (the name sent upstream)
 * @param apiKey sent upstream as {@code Authorization: Bearer ...}, read from the variable the entry names
 * @param apiKeyEnv the name of that variable
 * @param headers extra static headers sent upstream (never {@code Authorization}, {@code Host} or the gateway's own)
 * @param caFile a PEM bundle to verify an {@code https} backend with; empty for the system's bundle
 * @param keepalive how long an idle connection to a replica is kept for the next call; zero for none. Below the
 *     server's own idle timeout, or a call may be sent on a connection it is closing (uvicorn, so vLLM: 5 s)
 * @param forwardIdentity whether the backend gets the gateway's notes about the caller (token label, client
 *     address, the model asked for): for one's own servers that log or use them, never for a provider
 */
public record BackendSpec(
        String name,
        BackendType type,
        List<UpstreamUrl> urls,
        Optional<List<String>> models,
        Map<String, String> aliases,
        Optional<Secret> apiKey,
        Optional<String> apiKeyEnv,
        Map<String, String> headers,
        Optional<String> caFile,
        Duration keepalive,
        boolean forwardIdentity) {

    /** Lower-case letters, digits and dashes, starting with a letter or digit, at most 32. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    /** Idle time for kept connections unless configured: below uvicorn's 5 s. */
    public static final Duration DEFAULT_KEEPALIVE = Duration.ofSeconds(4);

    public BackendSpec {
        urls = List.copyOf(urls);
        models = models.map(List::copyOf);
        aliases = Map.copyOf(aliases);
        headers = Map.copyOf(headers);
    }

    /**
     * The names its configuration gives it (exact names and {@code prefix*} patterns): its {@code models}, or, for an
     * echo backend without a list, its own name, which it answers to. Empty for a backend that {@link #discovers}.
     */
    public List<String> configuredModels() {
        return models.orElse(type == BackendType.ECHO ? List.of(name) : List.of());
    }

    /** Whether the models this backend serves are asked of its replicas rather than configured. */
    public boolean discovers() {
        return models.isEmpty() && type != BackendType.ECHO;
    }

    /** This backend with only {@code replica}: for asking one replica (what it serves) rather than any. */
    public BackendSpec onlyReplica(UpstreamUrl replica) {
        return new BackendSpec(
                name,
                type,
                List.of(replica),
                models,
                aliases,
                apiKey,
                apiKeyEnv,
                headers,
                caFile,
                keepalive,
                forwardIdentity);
    }
}
