package dev.llmproxy.backends;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The configured backends, in priority order, and where a model goes. For a request's {@code model}, in this
 * order: an alias; a {@code name:} prefix of a backend (the first prefix only, so {@code ollama:qwen2.5:0.5b}
 * works); an exact name a backend serves (configured, or found on its replicas), backends in list order; a
 * {@code prefix*} pattern; the default backend; else none. The decision is the sidecar's, so what discovery
 * finds changes routing without reloading nginx.
 */
public final class Backends {
    private final List<BackendSpec> all;
    private final Optional<BackendSpec> defaultBackend;
    /** Backend name to the models its replicas listed last. Written by discovery, read by every call. */
    private final Map<String, List<String>> discovered = new ConcurrentHashMap<>();

    public Backends(List<BackendSpec> all, Optional<String> defaultBackend) {
        this.all = List.copyOf(all);
        this.defaultBackend = defaultBackend.flatMap(this::byName);
        if (defaultBackend.isPresent() && this.defaultBackend.isEmpty()) {
            throw new IllegalArgumentException("no backend named " + defaultBackend.get());
        }
    }

    public List<BackendSpec> all() {
        return all;
    }

    public Optional<BackendSpec> byName(String name) {
        return all.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    public Optional<BackendSpec> defaultBackend() {
        return defaultBackend;
    }

    /** What a backend's replicas serve, as discovery last found it (a failed refresh keeps the last list). */
    public void discovered(String backend, List<String> models) {
        discovered.put(backend, List.copyOf(models));
    }

    public List<String> discoveredModels(String backend) {
        return discovered.getOrDefault(backend, List.of());
    }

    /** The exact names a backend serves: what its replicas listed, then those its {@code models} names. */
    private Set<String> exactNames(BackendSpec b) {
        Set<String> names = new LinkedHashSet<>(discoveredModels(b.name()));
        b.models().orElse(List.of()).stream().filter(m -> !m.endsWith("*")).forEach(names::add);
        return names;
    }

    /**
     * Exact names that more than one backend serves (configured or discovered), each with those backends in
     * list order: an unprefixed call goes to the first, {@code name:model} reaches any of them.
     */
    public Map<String, List<String>> sharedModels() {
        Map<String, List<String>> byModel = new TreeMap<>();
        for (BackendSpec b : all) {
            for (String name : exactNames(b)) {
                byModel.computeIfAbsent(name, k -> new ArrayList<>()).add(b.name());
            }
        }
        byModel.values().removeIf(backends -> backends.size() < 2);
        return byModel;
    }

    /**
     * A name a backend serves that a call cannot reach by itself, because what comes before its first ':' is another
     * backend's name (or its own): {@code mistral:7b} on backend {@code ollama} while a backend is named
     * {@code mistral} routes to backend {@code mistral}, model {@code 7b}.
     *
     * @param servedBy the backend that serves it ({@code servedBy:model} reaches it)
     * @param takenBy the backend whose {@code name:} prefix the name starts with
     */
    public record Shadowed(String servedBy, String takenBy) {}

    /** Every name a backend serves (configured or discovered) that a backend's prefix takes, by name. */
    public Map<String, Shadowed> shadowedModels() {
        Map<String, Shadowed> out = new TreeMap<>();
        for (BackendSpec b : all) {
            for (String name : exactNames(b)) {
                int colon = name.indexOf(':');
                if (colon > 0 && !out.containsKey(name)) {
                    byName(name.substring(0, colon))
                            .ifPresent(taker -> out.put(name, new Shadowed(b.name(), taker.name())));
                }
            }
        }
        return out;
    }

    /** The backend and upstream name for a client's model; empty when no backend serves it. */
    public Optional<ModelRef> route(String model) {
        for (BackendSpec b : all) {
            String target = b.aliases().get(model);
            if (target != null) {
                return Optional.of(new ModelRef(model, b, target, model));
            }
        }
        int colon = model.indexOf(':');
        if (colon > 0) {
            Optional<BackendSpec> prefixed = byName(model.substring(0, colon));
            if (prefixed.isPresent()) {
                String name = model.substring(colon + 1);
                if (name.isEmpty()) {
                    return Optional.empty(); // "vllm:" names a backend but no model
                }
                String target = prefixed.get().aliases().get(name);
                return Optional.of(
                        target == null
                                ? new ModelRef(model, prefixed.get(), name)
                                : new ModelRef(model, prefixed.get(), target, name));
            }
        }
        for (BackendSpec b : all) {
            if (b.configuredModels().contains(model) || found(b, model)) {
                return Optional.of(new ModelRef(model, b, model));
            }
        }
        for (BackendSpec b : all) {
            for (String pattern : b.models().orElse(List.of())) {
                if (pattern.endsWith("*") && model.startsWith(pattern.substring(0, pattern.length() - 1))) {
                    return Optional.of(new ModelRef(model, b, model));
                }
            }
        }
        return defaultBackend.map(b -> new ModelRef(model, b, model));
    }

    /** Whether discovery found {@code model} on {@code b}; Ollama lists {@code llama3.2:latest} for {@code llama3.2}. */
    private boolean found(BackendSpec b, String model) {
        List<String> models = discoveredModels(b.name());
        return models.contains(model)
                || b.type() == BackendType.OLLAMA && model.indexOf(':') < 0 && models.contains(model + ":latest");
    }

    /** For start-up lines: each backend's name, type and replicas ({@code vllm (openai, http://gpu-1:8000)}). */
    public String describe() {
        return String.join(
                ", ",
                all.stream()
                        .map(b -> b.name() + " (" + b.type().wireName()
                                + (b.urls().isEmpty()
                                        ? ""
                                        : ", "
                                                + String.join(
                                                        " ",
                                                        b.urls().stream()
                                                                .map(u -> u.resolve("")
                                                                        .toString())
                                                                .toList()))
                                + ")")
                        .toList());
    }

    /** The default backend's name, or {@code none}. */
    public String defaultName() {
        return defaultBackend.map(BackendSpec::name).orElse("none");
    }
}
