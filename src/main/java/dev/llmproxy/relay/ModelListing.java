package dev.llmproxy.relay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.backends.Backends;
import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.ollama.OllamaClient;
import dev.llmproxy.ollama.OllamaWire;
import dev.llmproxy.openai.OpenAiWire;
import dev.llmproxy.support.Json;
import dev.llmproxy.upstream.Http1Client;
import dev.llmproxy.vllm.VllmClient;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model list for every backend, each model named with the prefix that routes to it
 * ({@code ollama:llama3.2}, {@code vllm:meta-llama/...}), aliases as their own ids. The backends are asked at
 * once; one down still lists the others, and only all down is an error.
 */
public final class ModelListing {
    private static final Logger LOG = LoggerFactory.getLogger(ModelListing.class);
    private static final int MAX_LISTING_BYTES = 16 * 1024 * 1024;

    private final Backends backends;
    private final Map<String, VllmClient> openai;
    private final Map<String, OllamaClient> ollama;
    private final Duration timeout;

    ModelListing(
            Backends backends, Map<String, VllmClient> openai, Map<String, OllamaClient> ollama, Duration timeout) {
        this.backends = backends;
        this.openai = openai;
        this.ollama = ollama;
        this.timeout = timeout; // listing models is quick: bounded like connecting, not like generating
    }

    public OpenAiWire.ModelList list(String requestId) throws InterruptedException {
        List<OpenAiWire.Model> data = new ArrayList<>();
        int failed = 0;
        int asked;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<OpenAiWire.Model>>> lists = new ArrayList<>();
            for (BackendSpec b : backends.all()) {
                lists.add(pool.submit(() -> models(b, requestId)));
            }
            asked = lists.size();
            for (var f : lists) {
                try {
                    data.addAll(f.get());
                } catch (ExecutionException e) {
                    failed++;
                    LOG.debug(
                            "request {}: a backend could not list its models: {}",
                            requestId,
                            e.getCause().toString());
                }
            }
        }
        if (asked > 0 && failed == asked) {
            throw new ApiException(ErrorCode.BACKEND_UNAVAILABLE.error("model"));
        }
        return new OpenAiWire.ModelList("list", data);
    }

    private List<OpenAiWire.Model> models(BackendSpec b, String requestId) throws Exception {
        List<OpenAiWire.Model> out = switch (b.type()) {
            case OPENAI -> openaiModels(b, requestId);
            case OLLAMA -> ollamaModels(b);
            case ECHO ->
                b.models().orElse(List.of(b.name())).stream()
                        .map(m -> new OpenAiWire.Model(b.name() + ":" + m, "model", 0, b.name()))
                        .toList();
        };
        List<OpenAiWire.Model> all = new ArrayList<>(out);
        b.aliases().keySet().stream()
                .sorted()
                .forEach(alias -> all.add(new OpenAiWire.Model(alias, "model", 0, b.name())));
        return all;
    }

    private List<OpenAiWire.Model> ollamaModels(BackendSpec b) throws Exception {
        OllamaWire.Tags tags = Json.MAPPER.readValue(
                listing(ollama.get(b.name()).get("/api/tags", timeout), b.name() + " /api/tags"),
                OllamaWire.Tags.class);
        List<OpenAiWire.Model> out = new ArrayList<>();
        for (OllamaWire.TagModel m : tags.models() == null ? List.<OllamaWire.TagModel>of() : tags.models()) {
            out.add(new OpenAiWire.Model(b.name() + ":" + m.name(), "model", epochSeconds(m.modifiedAt()), b.name()));
        }
        return out;
    }

    private List<OpenAiWire.Model> openaiModels(BackendSpec b, String requestId) throws Exception {
        List<OpenAiWire.Model> out = new ArrayList<>();
        JsonNode list = Json.MAPPER.readTree(
                listing(openai.get(b.name()).get("/v1/models", requestId, timeout), b.name() + " /v1/models"));
        for (JsonNode m : list.path("data")) {
            if (m.path("id").isTextual()) {
                out.add(new OpenAiWire.Model(
                        b.name() + ":" + m.get("id").textValue(),
                        "model",
                        m.path("created").asLong(0),
                        b.name()));
            }
        }
        return out;
    }
    /** A backend's model list, read whole; anything but a 200 is that backend's failure to list. */
    private static byte[] listing(Http1Client.Call call, String what) throws IOException {
        try (Http1Client.Response res = call.execute()) {
            byte[] body = res.readBody(MAX_LISTING_BYTES);
            if (res.status() != 200) {
                throw new IllegalStateException(what + " answered " + res.status());
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
}
