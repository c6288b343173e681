package dev.llmproxy.routing;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.auth.ModelAllowlist;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelRefTest {
    @ParameterizedTest
    @CsvSource({
        "vllm:llama3, vllm, VLLM, llama3",
        "ollama:llama3:8b, vllm, OLLAMA, llama3:8b",
        "llama3:8b, ollama, OLLAMA, llama3:8b",
        "hf.co/org/repo:Q4_K_M, vllm, VLLM, hf.co/org/repo:Q4_K_M",
        "openai:gpt-4, ollama, OLLAMA, openai:gpt-4",
        ":x, vllm, VLLM, :x",
        "VLLM:x, ollama, OLLAMA, VLLM:x",
    })
    void splitsOnlyKnownPrefixes(String model, String dflt, Backend backend, String name) {
        ModelRef ref = ModelRef.parse(model, Backend.fromWireName(dflt).orElseThrow());
        assertEquals(backend, ref.backend());
        assertEquals(name, ref.name());
        assertEquals(model, ref.requested());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "vllm:*|vllm:llama3|VLLM|true",
                "vllm:*|ollama:llama3|VLLM|false",
                "ollama:*|llama3|OLLAMA|true",
                "ollama:*|llama3|VLLM|false",
                "llama3|vllm:llama3|VLLM|false",
                "vllm:llama3|llama3|VLLM|true",
                "vllm:llama3|vllm:llama3-70b|VLLM|false",
                "vllm:llama*|vllm:llama3-70b|VLLM|true",
                "*|anything|VLLM|true",
            })
    void allowlistMatchesRequestedOrCanonicalForm(String pattern, String model, Backend dflt, boolean allowed) {
        assertEquals(allowed, new ModelAllowlist(List.of(pattern)).allows(ModelRef.parse(model, dflt)));
    }
}
