package dev.llmproxy.relay;

import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.backends.Backends;
import dev.llmproxy.metrics.Metrics;
import dev.llmproxy.ollama.OllamaClient;
import dev.llmproxy.vllm.VllmClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A relay for every configured backend, and their kept connections: the sidecar serves calls with these
 * when nginx does not carry them (Ollama, echo, and every backend when the sidecar is the whole gateway).
 * Each backend's client balances its calls over the backend's replicas as nginx does ({@code upstream.Replicas}).
 */
public final class BackendRelays implements AutoCloseable {
    private final Map<String, VllmClient> openaiClients = new LinkedHashMap<>();
    private final Map<String, OllamaClient> ollamaClients = new LinkedHashMap<>();
    private final Map<String, VllmRelay> openai = new LinkedHashMap<>();
    private final Map<String, OllamaRelay> ollama = new LinkedHashMap<>();
    private final EchoRelay echo = new EchoRelay();

    public BackendRelays(Backends backends, Duration connectTimeout, Duration readTimeout, Metrics metrics) {
        for (BackendSpec b : backends.all()) {
            switch (b.type()) {
                case OPENAI -> {
                    var client = new VllmClient(b, connectTimeout, readTimeout);
                    openaiClients.put(b.name(), client);
                    openai.put(b.name(), new VllmRelay(client, b.name()));
                }
                case OLLAMA -> {
                    var client = new OllamaClient(b, connectTimeout, readTimeout);
                    ollamaClients.put(b.name(), client);
                    ollama.put(b.name(), new OllamaRelay(client, metrics, b.name()));
                }
                case ECHO -> {
                    // served in-process: nothing to connect to
                }
            }
        }
    }

    public VllmRelay openai(BackendSpec backend) {
        return openai.get(backend.name());
    }

    public OllamaRelay ollama(BackendSpec backend) {
        return ollama.get(backend.name());
    }

    public EchoRelay echo() {
        return echo;
    }

    /** The load of every replica the sidecar balances calls over, backends in their order. */
    public java.util.List<Metrics.ReplicaLoad> load() {
        java.util.List<Metrics.ReplicaLoad> out = new java.util.ArrayList<>();
        openaiClients.forEach((name, client) -> client.load().forEach((replica, l) -> out.add(load(name, replica, l))));
        ollamaClients.forEach((name, client) -> client.load().forEach((replica, l) -> out.add(load(name, replica, l))));
        return out;
    }

    private static Metrics.ReplicaLoad load(String backend, String replica, dev.llmproxy.upstream.Replicas.Load l) {
        return new Metrics.ReplicaLoad(backend, replica, l.inFlight(), l.calls(), l.refused(), l.resting());
    }

    @Override
    public void close() {
        openaiClients.values().forEach(VllmClient::close);
        ollamaClients.values().forEach(OllamaClient::close);
    }
}
