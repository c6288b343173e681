package dev.llmproxy.relay;

import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.backends.BackendStatus;
import dev.llmproxy.backends.BackendType;
import dev.llmproxy.backends.Backends;
import dev.llmproxy.backends.DiscoveredModel;
import dev.llmproxy.backends.Discovery;
import dev.llmproxy.backends.ModelRef;
import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.openai.OpenAiWire;
import java.util.ArrayList;
import java.util.List;

/**
 * One model list for every backend, from what {@link Discovery} last found, so a call costs the backends
 * nothing. Each model is named with the prefix that routes back to it ({@code ollama:llama3.2},
 * {@code vllm:meta-llama/...}), aliases are their own ids, {@code owned_by} is the backend. A backend that was
 * down at the last refresh is left out (it can serve none of them now; routing still keeps its last list);
 * only all down is an error.
 *
 * <p>Ids keep their prefix even where the bare name is unambiguous today: a bare name goes to the first backend
 * in list order that serves it, so a bare id an app saved from the list would follow the name to another backend
 * once one earlier in the list serves it too (and, no longer unambiguous, drop out of the list). {@code
 * backend:name} always reaches the model it was listed for; bare names are for calls and {@link #retrieve}.
 *
 * <p>A backend with configured {@code models} lists its exact names, not its {@code prefix*} patterns: a
 * pattern names no model a client could call, and listing what it matches would mean asking the provider
 * (a remote one may list thousands that the operator never meant to offer).
 */
public final class ModelListing {
    private static final String ANY_BACKEND = "any backend of this gateway";

    private final Backends backends;
    private final Discovery discovery;

    public ModelListing(Backends backends, Discovery discovery) {
        this.backends = backends;
        this.discovery = discovery;
    }

    public OpenAiWire.ModelList list() {
        return list(ref -> true);
    }

    /** What {@code allowed} (a token's allowlist) lets its caller use: a token learns of no other model. */
    public OpenAiWire.ModelList list(java.util.function.Predicate<ModelRef> allowed) {
        List<OpenAiWire.Model> data = new ArrayList<>();
        List<BackendStatus> all = discovery.statuses();
        boolean anyUp = false;
        for (BackendStatus b : all) {
            if (b.up()) {
                anyUp = true;
                for (OpenAiWire.Model m : models(b)) {
                    if (backends.route(m.id()).filter(allowed).isPresent()) {
                        data.add(m);
                    }
                }
            }
        }
        if (!all.isEmpty() && !anyUp) {
            throw new ApiException(ErrorCode.BACKEND_UNAVAILABLE.error("model"));
        }
        return new OpenAiWire.ModelList("list", data);
    }

    /**
     * One model ({@code GET /v1/models/{id}}, the SDKs' {@code models.retrieve}) by any name a call would send to
     * it: bare, {@code backend:name}, an alias, Ollama's bare name for {@code :latest}. Its id is {@code id} as
     * written; the rest is the list's entry for the model the call would reach. Consistent with the call:
     *
     * <ul>
     *   <li>a backend that was down at the last refresh is a 502 {@code backend_unavailable}, as a call to it is;
     *   <li>a name no backend takes is a 404 {@code model_not_found}, as a call for it is;
     *   <li>a name that goes to a backend which does not serve it (one it did not list, one its configuration does
     *       not name) is a 404 too. For a name only a {@code prefix*} pattern or the default backend takes, a call
     *       is still sent, but the gateway cannot know the backend has that model: it answers only for what the
     *       list would show (an exact name in {@code models} is listed and found), and says where the call goes.
     *       Answering yes would make every name exist behind a default backend, and a lookup meant to catch a
     *       wrong name would catch none.
     * </ul>
     */
    public OpenAiWire.Model retrieve(String id) {
        return retrieve(id, ref -> true, "");
    }

    /**
     * As {@link #retrieve(String)}, for the caller labelled {@code label} whose allowlist is {@code allowed}: a name
     * it may not use is the 403 {@code model_not_allowed} a call for it gets, whether or not a backend has it.
     */
    public OpenAiWire.Model retrieve(String id, java.util.function.Predicate<ModelRef> allowed, String label) {
        ModelRef ref = backends.route(id)
                .orElseThrow(() -> new ApiException(ErrorCode.MODEL_NOT_FOUND.error(id, ANY_BACKEND)));
        if (!allowed.test(ref)) {
            throw new ApiException(ErrorCode.MODEL_NOT_ALLOWED.error(label, id));
        }
        BackendSpec b = ref.backend();
        BackendStatus status = discovery.statuses().stream()
                .filter(s -> s.name().equals(b.name()))
                .findFirst()
                .orElseThrow();
        if (!status.up()) {
            throw new ApiException(ErrorCode.BACKEND_UNAVAILABLE.error(b.name()));
        }
        List<String> ids = ref.alias() != null
                ? List.of(ref.alias())
                : b.type() == BackendType.OLLAMA && ref.name().indexOf(':') < 0
                        ? List.of(ref.canonical(), ref.canonical() + ":latest")
                        : List.of(ref.canonical());
        return models(status).stream()
                .filter(m -> ids.contains(m.id()))
                .findFirst()
                .map(m -> new OpenAiWire.Model(id, m.object(), m.created(), m.ownedBy()))
                .orElseThrow(() -> new ApiException(ErrorCode.MODEL_NOT_FOUND.error(
                        id,
                        b.discovers()
                                ? "the " + b.name() + " backend"
                                : "the " + b.name() + " backend as far as this gateway knows: its configuration"
                                        + " does not name it, though a call for it is sent there")));
    }

    private static List<OpenAiWire.Model> models(BackendStatus status) {
        BackendSpec b = status.backend();
        List<OpenAiWire.Model> out = new ArrayList<>();
        if (b.discovers()) {
            for (DiscoveredModel m : status.discovered()) {
                out.add(model(b.name() + ":" + m.name(), m.created(), b));
            }
        } else {
            // echo without models: its name, which routes to it like any `echo:...`
            for (String m : b.configuredModels()) {
                if (!m.endsWith("*")) {
                    out.add(model(b.name() + ":" + m, 0, b));
                }
            }
        }
        b.aliases().keySet().stream().sorted().forEach(alias -> out.add(model(alias, 0, b)));
        return out;
    }

    private static OpenAiWire.Model model(String id, long created, BackendSpec b) {
        return new OpenAiWire.Model(id, "model", created, b.name());
    }
}
