package dev.llmproxy.relay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.backends.Backends;
import dev.llmproxy.backends.DiscoveredModel;
import dev.llmproxy.backends.Discovery;
import dev.llmproxy.backends.UpstreamUrl;
import dev.llmproxy.ollama.OllamaClient;
import dev.llmproxy.ollama.OllamaWire;
import dev.llmproxy.support.Json;
import dev.llmproxy.upstream.Http1Client;
import dev.llmproxy.vllm.VllmClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link Discovery} asks of replicas, over HTTP: {@code GET /v1/models} (with the backend's key) or
 * {@code GET /api/tags}, one client per replica (the relays' clients talk to a backend, not to one replica);
 * and, for a backend whose models are configured, a TCP connection that is closed at once: it costs a remote
 * provider nothing and needs no key.
 */
public final class UpstreamModels implements Discovery.Replicas, AutoCloseable {
    private static final int MAX_LISTING_BYTES = 16 * 1024 * 1024;
    /** Sent as X-Request-ID, so that a model server's log tells discovery from calls. */
    private static final String REQUEST_ID = "model-discovery";

    private final Map<String, VllmClient> openai = new HashMap<>();
    private final Map<String, OllamaClient> ollama = new HashMap<>();
    private final Duration connectTimeout;
    private final Duration timeout;

    /** @param timeout for a whole listing: quick, bounded like connecting rather than like generating */
    public UpstreamModels(Backends backends, Duration connectTimeout, Duration timeout) {
        this.connectTimeout = connectTimeout;
        this.timeout = timeout;
        for (BackendSpec b : backends.all()) {
            if (!b.discovers()) {
                continue;
            }
            for (UpstreamUrl url : b.urls()) {
                switch (b.type()) {
                    // One replica each (its key, headers and ca_file): each is asked what it serves.
                    case OPENAI -> openai.put(key(b, url), new VllmClient(b.onlyReplica(url), connectTimeout, timeout));
                    case OLLAMA ->
                        ollama.put(key(b, url), new OllamaClient(b.onlyReplica(url), connectTimeout, timeout));
                    case ECHO -> {
                        // nothing to ask: discovers() is false for echo
                    }
                }
            }
        }
    }

    private static String key(BackendSpec b, UpstreamUrl url) {
        return b.name() + " " + url.resolve("");
    }

    @Override
    public List<DiscoveredModel> models(BackendSpec backend, UpstreamUrl replica) throws IOException {
        return switch (backend.type()) {
            case OPENAI ->
                openaiModels(listing(
                        openai.get(key(backend, replica)).get("/v1/models", REQUEST_ID, timeout), "/v1/models"));
            case OLLAMA ->
                ollamaModels(listing(ollama.get(key(backend, replica)).get("/api/tags", timeout), "/api/tags"));
            case ECHO -> List.of();
        };
    }

    @Override
    public void probe(BackendSpec backend, UpstreamUrl replica) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(replica.host(), replica.port()), (int) connectTimeout.toMillis());
        } catch (IOException e) {
            throw new Http1Client.ConnectFailedException(replica, e);
        }
    }

    static List<DiscoveredModel> openaiModels(byte[] body) throws IOException {
        List<DiscoveredModel> out = new ArrayList<>();
        for (JsonNode m : Json.MAPPER.readTree(body).path("data")) {
            if (m.path("id").isTextual()) {
                out.add(new DiscoveredModel(
                        m.get("id").textValue(), m.path("created").asLong(0)));
            }
        }
        return out;
    }

    static List<DiscoveredModel> ollamaModels(byte[] body) throws IOException {
        OllamaWire.Tags tags = Json.MAPPER.readValue(body, OllamaWire.Tags.class);
        List<DiscoveredModel> out = new ArrayList<>();
        for (OllamaWire.TagModel m : tags.models() == null ? List.<OllamaWire.TagModel>of() : tags.models()) {
            out.add(new DiscoveredModel(m.name(), epochSeconds(m.modifiedAt())));
        }
        return out;
    }

    /** A replica's model list, read whole; anything but a 200 is that replica's failure to list. */
    private static byte[] listing(Http1Client.Call call, String what) throws IOException {
        try (Http1Client.Response res = call.execute()) {
            byte[] body = res.readBody(MAX_LISTING_BYTES);
            if (res.status() != 200) {
                throw new IOException(what + " answered " + res.status());
            }
            return body;
        }
    }

    private static long epochSeconds(String rfc3339) {
        try {
            return rfc3339 == null ? 0 : OffsetDateTime.parse(rfc3339).toEpochSecond();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        openai.values().forEach(VllmClient::close);
        ollama.values().forEach(OllamaClient::close);
    }
}
