package dev.llmproxy.backends;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.auth.ModelAllowlist;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackendsTest {
    static BackendSpec spec(String name, BackendType type, List<String> models, Map<String, String> aliases) {
        return new BackendSpec(
                name,
                type,
                List.of(UpstreamUrl.parse("url", "http://" + name + ":8000", new java.util.ArrayList<>())),
                Optional.ofNullable(models),
                aliases,
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                BackendSpec.DEFAULT_KEEPALIVE,
                false);
    }

    /** What VLLM_BASE_URL and OLLAMA_BASE_URL mean: backends named vllm and ollama, models discovered. */
    static Backends legacy(String defaultBackend) {
        return new Backends(
                List.of(
                        spec("vllm", BackendType.OPENAI, null, Map.of()),
                        spec("ollama", BackendType.OLLAMA, null, Map.of())),
                Optional.of(defaultBackend));
    }

    @ParameterizedTest
    @CsvSource({
        "vllm:llama3, vllm, vllm, llama3",
        "ollama:llama3:8b, vllm, ollama, llama3:8b",
        "llama3:8b, ollama, ollama, llama3:8b",
        "hf.co/org/repo:Q4_K_M, vllm, vllm, hf.co/org/repo:Q4_K_M",
        "openai:gpt-4, ollama, ollama, openai:gpt-4",
        ":x, vllm, vllm, :x",
        "VLLM:x, ollama, ollama, VLLM:x",
    })
    void aKnownPrefixPicksItsBackendAndAnythingElseGoesToTheDefault(
            String model, String dflt, String backend, String name) {
        ModelRef ref = legacy(dflt).route(model).orElseThrow();
        assertEquals(backend, ref.backend().name());
        assertEquals(name, ref.name());
        assertEquals(model, ref.requested());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "vllm:*|vllm:llama3|vllm|true",
                "vllm:*|ollama:llama3|vllm|false",
                "ollama:*|llama3|ollama|true",
                "ollama:*|llama3|vllm|false",
                "llama3|vllm:llama3|vllm|false",
                "vllm:llama3|llama3|vllm|true",
                "vllm:llama3|vllm:llama3-70b|vllm|false",
                "vllm:llama*|vllm:llama3-70b|vllm|true",
                "*|anything|vllm|true",
            })
    void allowlistMatchesRequestedOrCanonicalForm(String pattern, String model, String dflt, boolean allowed) {
        assertEquals(
                allowed,
                new ModelAllowlist(List.of(pattern))
                        .allows(legacy(dflt).route(model).orElseThrow()));
    }

    static final Backends FLEET = new Backends(
            List.of(
                    spec("llama", BackendType.OPENAI, null, Map.of()),
                    spec("embed", BackendType.OPENAI, List.of("BAAI/bge-m3"), Map.of()),
                    spec("ollama", BackendType.OLLAMA, null, Map.of()),
                    spec("openrouter", BackendType.OPENAI, List.of("anthropic/*", "mistralai/*"), Map.of()),
                    spec(
                            "local",
                            BackendType.OPENAI,
                            List.of("Qwen/Qwen2.5-7B-Instruct"),
                            Map.of(
                                    "gpt-4o-mini",
                                    "Qwen/Qwen2.5-7B-Instruct",
                                    "mistralai/small",
                                    "Qwen/Qwen2.5-7B-Instruct"))),
            Optional.empty());

    static String route(Backends b, String model) {
        return b.route(model).map(r -> r.backend().name() + " " + r.name()).orElse("none");
    }

    @Test
    void aliasThenPrefixThenExactThenPatternThenDefault() {
        FLEET.discovered("llama", List.of("meta-llama/Llama-3.1-8B-Instruct"));
        FLEET.discovered("ollama", List.of("qwen2.5:0.5b", "BAAI/bge-m3"));
        assertEquals("local Qwen/Qwen2.5-7B-Instruct", route(FLEET, "gpt-4o-mini"), "an alias, rewritten upstream");
        assertEquals("local Qwen/Qwen2.5-7B-Instruct", route(FLEET, "mistralai/small"), "an alias wins over a pattern");
        assertEquals("local Qwen/Qwen2.5-7B-Instruct", route(FLEET, "local:gpt-4o-mini"), "the prefixed alias");
        assertEquals("ollama qwen2.5:0.5b", route(FLEET, "ollama:qwen2.5:0.5b"), "the first prefix only");
        assertEquals(
                "llama meta-llama/Llama-3.1-8B-Instruct",
                route(FLEET, "meta-llama/Llama-3.1-8B-Instruct"),
                "discovered");
        assertEquals("embed BAAI/bge-m3", route(FLEET, "BAAI/bge-m3"), "two backends serve it: the first in the list");
        assertEquals("ollama qwen2.5:0.5b", route(FLEET, "qwen2.5:0.5b"));
        assertEquals(
                "openrouter anthropic/claude-3.5-sonnet", route(FLEET, "anthropic/claude-3.5-sonnet"), "a pattern");
        assertEquals("none", route(FLEET, "gpt-5"), "no default backend: nobody serves it");
        assertEquals("none", route(FLEET, "nowhere:gpt-5"));
    }

    @Test
    void aModelThatMovesIsFollowedAfterTheNextDiscovery() {
        var b = new Backends(
                List.of(spec("a", BackendType.OPENAI, null, Map.of()), spec("b", BackendType.OPENAI, null, Map.of())),
                Optional.empty());
        b.discovered("a", List.of("m"));
        assertEquals("a m", route(b, "m"));
        b.discovered("a", List.of());
        b.discovered("b", List.of("m"));
        assertEquals("b m", route(b, "m"));
    }

    @Test
    void anEchoBackendWithoutAListAnswersToItsOwnName() {
        var b = new Backends(
                List.of(
                        spec("vllm", BackendType.OPENAI, null, Map.of()),
                        spec("echo", BackendType.ECHO, null, Map.of())),
                Optional.of("vllm"));
        assertEquals("echo echo", route(b, "echo"), "a newcomer's model: \"echo\" reaches it without a prefix");
        assertEquals("echo hi", route(b, "echo:hi"));
        assertEquals("vllm echo-2", route(b, "echo-2"));
    }

    @Test
    void anOllamaModelWithoutATagIsItsLatest() {
        var b = new Backends(
                List.of(
                        spec("vllm", BackendType.OPENAI, null, Map.of()),
                        spec("ollama", BackendType.OLLAMA, null, Map.of())),
                Optional.empty());
        b.discovered("vllm", List.of("mistral:latest"));
        b.discovered("ollama", List.of("llama3.2:latest", "phi:latest"));
        assertEquals("ollama llama3.2", route(b, "llama3.2"), "the name Ollama itself accepts is sent");
        assertEquals("ollama llama3.2:latest", route(b, "llama3.2:latest"));
        assertEquals("ollama phi", route(b, "phi"));
        assertEquals("none", route(b, "mistral"), "only Ollama reads a bare name as :latest");
    }

    @Test
    void theDefaultMustBeABackend() {
        assertThrows(IllegalArgumentException.class, () -> new Backends(List.of(), Optional.of("vllm")));
        assertTrue(legacy("ollama").defaultBackend().isPresent());
    }

    @Test
    void anAliasIsAllowedByEitherFormAndAnEmptyNameAfterAPrefixIsNoModel() {
        var gpt = new ModelAllowlist(List.of("gpt-4o-mini"));
        var local = new ModelAllowlist(List.of("local:gpt-4o-mini"));
        var target = new ModelAllowlist(List.of("local:Qwen/*"));
        for (String asked : List.of("gpt-4o-mini", "local:gpt-4o-mini")) {
            ModelRef ref = FLEET.route(asked).orElseThrow();
            assertTrue(gpt.allows(ref) && local.allows(ref) && target.allows(ref), asked);
        }
        assertFalse(
                gpt.allows(FLEET.route("local:Qwen/Qwen2.5-7B-Instruct").orElseThrow()), "the target is not the alias");
        assertEquals("none", route(FLEET, "llama:"), "a backend but no model");
    }
}
