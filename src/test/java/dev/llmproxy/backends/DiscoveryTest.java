package dev.llmproxy.backends;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.testing.FakeClock;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Discovery against replicas that are only a map: what each lists, or that it fails. No sockets. */
class DiscoveryTest {
    /** Replica authority to what it lists; absent: it fails. */
    final Map<String, List<String>> listed = new ConcurrentHashMap<>();

    final List<String> probed = new ArrayList<>();

    final Discovery.Replicas replicas = new Discovery.Replicas() {
        @Override
        public List<DiscoveredModel> models(BackendSpec backend, UpstreamUrl replica) throws IOException {
            List<String> names = listed.get(replica.authority());
            if (names == null) {
                throw new IOException("connection refused");
            }
            return names.stream().map(n -> new DiscoveredModel(n, 0)).toList();
        }

        @Override
        public void probe(BackendSpec backend, UpstreamUrl replica) throws IOException {
            synchronized (probed) {
                probed.add(replica.authority());
            }
            if (!listed.containsKey(replica.authority())) {
                throw new IOException("connection refused");
            }
        }
    };

    static BackendSpec spec(String name, List<String> models, String... hosts) {
        List<String> problems = new ArrayList<>();
        List<UpstreamUrl> urls = java.util.Arrays.stream(hosts)
                .map(h -> UpstreamUrl.parse("url", "http://" + h, problems))
                .toList();
        assertEquals(List.of(), problems);
        return new BackendSpec(
                name,
                BackendType.OPENAI,
                urls,
                Optional.ofNullable(models),
                Map.of(),
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                BackendSpec.DEFAULT_KEEPALIVE,
                false);
    }

    static String route(Backends b, String model) {
        return b.route(model).map(r -> r.backend().name()).orElse("none");
    }

    FakeClock clock = new FakeClock();

    @Test
    void aBackendServesTheUnionOfWhatItsReplicasList() {
        var backends = new Backends(List.of(spec("a", null, "a1:8000", "a2:8000")), Optional.empty());
        listed.put("a1:8000", List.of("m1", "shared"));
        listed.put("a2:8000", List.of("shared", "m2"));
        var status =
                new Discovery(backends, replicas, clock).refreshNow().backends().get(0);

        assertEquals(List.of("m1", "shared", "m2"), backends.discoveredModels("a"));
        assertEquals(
                List.of("m1", "shared", "m2"),
                status.discovered().stream().map(DiscoveredModel::name).toList());
        assertTrue(status.up());
        assertEquals(Optional.of(clock.instant()), status.refreshedAt());
    }

    @Test
    void aReplicaThatFailsKeepsItsLastListAndIsShownDown() {
        var backends = new Backends(List.of(spec("a", null, "a1:8000", "a2:8000")), Optional.empty());
        listed.put("a1:8000", List.of("m1"));
        listed.put("a2:8000", List.of("m2"));
        var discovery = new Discovery(backends, replicas, clock);
        discovery.refreshNow();
        var firstListed = clock.instant();

        listed.remove("a2:8000");
        clock.advance(java.time.Duration.ofSeconds(60));
        BackendStatus a = discovery.refreshNow().backends().get(0);
        assertEquals(List.of("m1", "m2"), backends.discoveredModels("a"), "m2 is kept: a blip moves nothing");
        ReplicaStatus down = a.replicas().get(1);
        assertFalse(down.up());
        assertEquals("connection refused", down.error());
        assertEquals(Optional.of(clock.instant()), down.checkedAt());
        assertEquals(Optional.of(firstListed), down.listedAt());
        assertTrue(a.up(), "one replica still answers");

        listed.remove("a1:8000");
        a = discovery.refreshNow().backends().get(0);
        assertFalse(a.up());
        assertEquals(List.of("m1", "m2"), backends.discoveredModels("a"), "all down: still the last lists");
    }

    @Test
    void aModelThatMovesIsFollowedAfterTheNextRefresh() {
        var backends = new Backends(List.of(spec("a", null, "a1:8000"), spec("b", null, "b1:8000")), Optional.empty());
        listed.put("a1:8000", List.of("m"));
        listed.put("b1:8000", List.of("other"));
        var discovery = new Discovery(backends, replicas, clock);
        discovery.refreshNow();
        assertEquals("a", route(backends, "m"));

        listed.put("a1:8000", List.of());
        listed.put("b1:8000", List.of("other", "m"));
        assertEquals("a", route(backends, "m"), "not before the refresh: discovery never runs on a call's path");
        discovery.refreshNow();
        assertEquals("b", route(backends, "m"));
        assertEquals("a", route(backends, "a:m"), "an explicit name:model still goes where it says");
    }

    @Test
    void aModelTwoBackendsServeGoesToTheFirstAndIsReportedOnce() {
        var backends = new Backends(
                List.of(
                        spec("a", null, "a1:8000"),
                        spec("configured", List.of("m", "p-*"), "c1:8000"),
                        spec("b", null, "b1:8000")),
                Optional.empty());
        listed.put("a1:8000", List.of("x"));
        listed.put("b1:8000", List.of("m", "x"));
        listed.put("c1:8000", List.of());
        var discovery = new Discovery(backends, replicas, clock);

        var first = discovery.refreshNow();
        assertEquals(Map.of("x", List.of("a", "b"), "m", List.of("configured", "b")), first.newlyShared());
        assertEquals("a", route(backends, "x"));
        assertEquals("configured", route(backends, "m"));
        assertEquals(Map.of(), discovery.refreshNow().newlyShared(), "reported once, not at every refresh");
    }

    /** Ollama's names have a tag after a ':'; a backend named like the model before it takes such calls. */
    @Test
    void aModelWhoseNameABackendsPrefixTakesIsReportedOnce() {
        var backends = new Backends(
                List.of(
                        spec("ollama", null, "o1:11434"),
                        spec("mistral", List.of("mistral:instruct"), "m1:8000"),
                        spec("qwen", null, "q1:8000")),
                Optional.empty());
        listed.put("o1:11434", List.of("mistral:7b", "llama3:8b", "qwen:0.5b"));
        listed.put("q1:8000", List.of("qwen:7b"));
        var discovery = new Discovery(backends, replicas, clock);

        var first = discovery.refreshNow();
        assertEquals(
                Map.of(
                        "mistral:7b", new Backends.Shadowed("ollama", "mistral"),
                        "qwen:0.5b", new Backends.Shadowed("ollama", "qwen"),
                        "mistral:instruct", new Backends.Shadowed("mistral", "mistral"),
                        "qwen:7b", new Backends.Shadowed("qwen", "qwen")),
                first.newlyShadowed());
        assertEquals("mistral", route(backends, "mistral:7b"), "what the warning is about");
        assertEquals("ollama", route(backends, "ollama:mistral:7b"), "what it advises");
        assertEquals("ollama", route(backends, "llama3:8b"), "no backend is named llama3");
        assertEquals(Map.of(), discovery.refreshNow().newlyShadowed(), "reported once, not at every refresh");
    }

    @Test
    void aBackendWithConfiguredModelsIsOnlyProbed() {
        var backends = new Backends(List.of(spec("c", List.of("m"), "c1:8000", "c2:8000")), Optional.empty());
        listed.put("c1:8000", List.of("never asked"));
        var statuses = new Discovery(backends, replicas, clock).refreshNow().backends();

        assertEquals(List.of("c1:8000", "c2:8000"), probed.stream().sorted().toList());
        assertEquals(List.of(), backends.discoveredModels("c"));
        assertEquals(
                List.of(true, false),
                statuses.get(0).replicas().stream().map(ReplicaStatus::up).toList());
        assertEquals(List.of(), statuses.get(0).replicas().get(0).models());
    }

    @Test
    void beforeTheFirstRefreshEveryReplicaIsUnknownAndDown() {
        var backends = new Backends(List.of(spec("a", null, "a1:8000")), Optional.empty());
        BackendStatus a = new Discovery(backends, replicas, clock).statuses().get(0);
        assertFalse(a.up());
        assertTrue(a.refreshedAt().isEmpty());
        assertTrue(a.replicas().get(0).checkedAt().isEmpty());
    }
}
