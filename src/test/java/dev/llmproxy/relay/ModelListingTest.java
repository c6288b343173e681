package dev.llmproxy.relay;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.backends.DiscoveredModel;
import dev.llmproxy.backends.Discovery;
import dev.llmproxy.backends.UpstreamUrl;
import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.contract.OpenAiError;
import dev.llmproxy.openai.OpenAiWire;
import dev.llmproxy.testing.FakeClock;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/models/{id}} answers for every name a call would send to a backend that serves it, as the client
 * wrote it; against replicas that are only a map (what each lists, or that it is down). No sockets.
 */
class ModelListingTest {
    static final String BACKENDS = """
            [{"name":"alpha","type":"openai","urls":["http://alpha-1:8000/v1"]},
             {"name":"ollama","type":"ollama","urls":["http://ollama-1:11434"]},
             {"name":"router","type":"openai","urls":["http://router-1:8000/v1"],"models":["anthropic/*","exact-one"]},
             {"name":"local","type":"openai","urls":["http://local-1:8000/v1"],
              "aliases":{"gpt-4o-mini":"Qwen/Qwen2.5-7B-Instruct"}},
             {"name":"deadm","type":"openai","urls":["http://deadm-1:8000/v1"],"models":["m1"]},
             {"name":"echo","type":"echo"}]
            """;

    /** Replica authority to what it lists; absent: it cannot be reached. */
    final Map<String, List<DiscoveredModel>> replicas = new HashMap<>(Map.of(
            "alpha-1:8000", List.of(new DiscoveredModel("fake-model", 1700000000), new DiscoveredModel("shared", 1)),
            "ollama-1:11434",
                    List.of(
                            new DiscoveredModel("llama3.2:latest", 1710000000),
                            new DiscoveredModel("qwen3:0.6b", 1720000000)),
            "router-1:8000", List.of(),
            "local-1:8000", List.of(new DiscoveredModel("Qwen/Qwen2.5-7B-Instruct", 5))));

    final Discovery.Replicas asked = new Discovery.Replicas() {
        @Override
        public List<DiscoveredModel> models(BackendSpec backend, UpstreamUrl replica) throws IOException {
            return probed(replica);
        }

        @Override
        public void probe(BackendSpec backend, UpstreamUrl replica) throws IOException {
            probed(replica);
        }

        private List<DiscoveredModel> probed(UpstreamUrl replica) throws IOException {
            List<DiscoveredModel> models = replicas.get(replica.authority());
            if (models == null) {
                throw new IOException("connection refused");
            }
            return models;
        }
    };

    Discovery discovery;

    ModelListing listing(String... extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "TOKENS_JSON", "[{\"token\":\"sk-listing-0123456789\",\"label\":\"t\"}]", "BACKENDS_JSON", BACKENDS));
        for (int i = 0; i < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        Config config = ConfigLoader.load(env);
        discovery = new Discovery(config.backends(), asked, new FakeClock());
        discovery.refreshNow();
        return new ModelListing(config.backends(), discovery);
    }

    static OpenAiError refusal(ModelListing listing, String id) {
        return assertThrows(ApiException.class, () -> listing.retrieve(id), id).error();
    }

    /** The same status, type, code and message. */
    static void assertSameError(OpenAiError expected, OpenAiError actual, String... what) {
        assertEquals(expected.toString(), actual.toString(), String.join(" ", what));
        assertEquals(expected.type(), actual.type());
    }

    static void assertModel(OpenAiWire.Model m, String id, String ownedBy, long created) {
        assertEquals(id, m.id(), "the id as the client wrote it");
        assertEquals("model", m.object());
        assertEquals(ownedBy, m.ownedBy(), id);
        assertEquals(created, m.created(), id);
    }

    @Test
    void everyNameACallReachesAServedModelByIsFound() {
        var listing = listing();
        // discovered: bare, and with its backend's prefix
        assertModel(listing.retrieve("fake-model"), "fake-model", "alpha", 1700000000);
        assertModel(listing.retrieve("alpha:fake-model"), "alpha:fake-model", "alpha", 1700000000);
        // Ollama's bare name means :latest, as Ollama reads it
        for (String id : List.of("llama3.2", "llama3.2:latest", "ollama:llama3.2", "ollama:llama3.2:latest")) {
            assertModel(listing.retrieve(id), id, "ollama", 1710000000);
        }
        assertModel(listing.retrieve("qwen3:0.6b"), "qwen3:0.6b", "ollama", 1720000000);
        // an alias, bare and prefixed; the name it stands for is a model of its own
        assertModel(listing.retrieve("gpt-4o-mini"), "gpt-4o-mini", "local", 0);
        assertModel(listing.retrieve("local:gpt-4o-mini"), "local:gpt-4o-mini", "local", 0);
        assertModel(listing.retrieve("Qwen/Qwen2.5-7B-Instruct"), "Qwen/Qwen2.5-7B-Instruct", "local", 5);
        // configured exact names, and echo's own name
        assertModel(listing.retrieve("exact-one"), "exact-one", "router", 0);
        assertModel(listing.retrieve("router:exact-one"), "router:exact-one", "router", 0);
        assertModel(listing.retrieve("echo"), "echo", "echo", 0);
        assertModel(listing.retrieve("echo:echo"), "echo:echo", "echo", 0);
        // every id the list gives is found as itself
        for (OpenAiWire.Model m : listing.list().data()) {
            assertEquals(m, listing.retrieve(m.id()));
        }
    }

    @Test
    void aNameNoBackendIsKnownToServeIsNotFoundAndSaysWhy() {
        var listing = listing();
        assertSameError(
                ErrorCode.MODEL_NOT_FOUND.error("nobody-serves-this", "any backend of this gateway"),
                refusal(listing, "nobody-serves-this"));
        // discovery knows what alpha serves
        assertSameError(
                ErrorCode.MODEL_NOT_FOUND.error("alpha:not-there", "the alpha backend"),
                refusal(listing, "alpha:not-there"));
        assertSameError(
                ErrorCode.MODEL_NOT_FOUND.error("alpha:", "any backend of this gateway"), refusal(listing, "alpha:"));
    }

    /**
     * A pattern routes calls, but names no model: the gateway cannot know the provider has it. Retrieving answers
     * only what the list would show (an exact name in {@code models} is listed and found).
     */
    @Test
    void aNameOnlyAPatternOrTheDefaultBackendWouldTakeIsNotFoundButSaysWhereCallsGo() {
        var listing = listing("DEFAULT_BACKEND", "router");
        for (String id : List.of("anthropic/claude-3-5-sonnet", "router:anthropic/claude-3-5-sonnet", "made-up")) {
            OpenAiError e = refusal(listing, id);
            assertEquals(404, e.status(), id);
            assertEquals("model_not_found", e.code(), id);
            assertEquals(
                    "The model '" + id + "' is not served by the router backend as far as this gateway knows:"
                            + " its configuration does not name it, though a call for it is sent there.",
                    e.message());
            assertTrue(ErrorCode.MODEL_NOT_FOUND.matches(e.status(), e.type(), e.code(), e.message()));
        }
        assertModel(listing.retrieve("exact-one"), "exact-one", "router", 0);
    }

    /** As a chat call: a backend whose replicas cannot be reached is a 502 for every name that goes to it. */
    @Test
    void aModelOfABackendThatIsDownIsBackendUnavailableAsACallWouldBe() {
        var listing = listing();
        for (String id : List.of("deadm:m1", "m1", "deadm:other")) {
            assertSameError(ErrorCode.BACKEND_UNAVAILABLE.error("deadm"), refusal(listing, id), id);
        }
        // a discovering backend that goes down keeps its last list for routing; its models are unavailable now
        replicas.remove("alpha-1:8000");
        discovery.refreshNow();
        for (String id : List.of("fake-model", "alpha:fake-model", "alpha:not-there")) {
            assertSameError(ErrorCode.BACKEND_UNAVAILABLE.error("alpha"), refusal(listing, id), id);
        }
        assertFalse(listing.list().data().stream().anyMatch(m -> m.ownedBy().equals("alpha")), "not listed either");
    }
}
