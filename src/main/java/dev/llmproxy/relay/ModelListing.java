package dev.llmproxy.relay;

import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.backends.BackendStatus;
import dev.llmproxy.backends.DiscoveredModel;
import dev.llmproxy.backends.Discovery;
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
 * <p>A backend with configured {@code models} lists its exact names, not its {@code prefix*} patterns: a
 * pattern names no model a client could call, and listing what it matches would mean asking the provider
 * (a remote one may list thousands that the operator never meant to offer).
 */
public final class ModelListing {
    private final Discovery discovery;

    public ModelListing(Discovery discovery) {
        this.discovery = discovery;
    }

    public OpenAiWire.ModelList list() {
        List<OpenAiWire.Model> data = new ArrayList<>();
        List<BackendStatus> all = discovery.statuses();
        boolean anyUp = false;
        for (BackendStatus b : all) {
            if (b.up()) {
                anyUp = true;
                data.addAll(models(b));
            }
        }
        if (!all.isEmpty() && !anyUp) {
            throw new ApiException(ErrorCode.BACKEND_UNAVAILABLE.error("model"));
        }
        return new OpenAiWire.ModelList("list", data);
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
            for (String m : b.models().orElse(List.of(b.name()))) {
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
