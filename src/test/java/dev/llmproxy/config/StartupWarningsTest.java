package dev.llmproxy.config;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupWarningsTest {
    static Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>();
        env.put("TOKENS_JSON", "[{\"token\":\"sk-abcdefgh1\",\"label\":\"a\"}]");
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    static List<String> warnings(Map<String, String> env) {
        return StartupWarnings.of(env, ConfigLoader.load(env));
    }

    @Test
    void aMisspelledVariableOfOursIsNamedAndOthersAreLeftAlone() {
        var w = warnings(env("RATE_LIMT_STORE", "redis", "REDIS_TIMEOUT", "5", "PATH", "/bin", "HOME", "/root"));
        assertEquals(2, w.size(), w.toString());
        assertTrue(w.get(0).startsWith("RATE_LIMT_STORE: not a variable llm-proxy reads"), w.toString());
        assertTrue(w.get(1).startsWith("REDIS_TIMEOUT: not a variable"), w.toString());
        assertEquals(List.of(), warnings(env("RATE_LIMIT_STORE", "memory", "REDIS_TIMEOUT_MS", "300")));
        assertEquals(
                List.of(),
                warnings(env(
                        "GATEWAY_BIND",
                        "0.0.0.0",
                        "VLLM_MODEL",
                        "m",
                        "VLLM_SERVICE_HOST",
                        "10.0.0.1",
                        "OLLAMA_PORT_11434_TCP_ADDR",
                        "10.0.0.2",
                        "OLLAMA_PORT",
                        "tcp://10.0.0.2:11434")),
                "compose's and Kubernetes' own");
    }

    @Test
    void aBackendsKeyVariableIsOursWhateverItsName() {
        var e = env(
                "BACKENDS_JSON",
                "[{\"name\":\"r\",\"type\":\"openai\",\"urls\":[\"https://h\"],\"api_key_env\":\"VLLM_KEY\"}]",
                "VLLM_KEY",
                "k-1");
        assertEquals(List.of(), warnings(e));
    }

    @Test
    void theDevTokenIsAWarning() {
        var w = warnings(env("TOKENS_JSON", "[{\"token\":\"" + StartupWarnings.DEV_TOKEN + "\",\"label\":\"dev\"}]"));
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).contains("dev token"), w.toString());
        assertFalse(w.get(0).contains(StartupWarnings.DEV_TOKEN), "never the token itself");
    }

    @Test
    void theKubernetesPlaceholderSecretIsRefused() {
        var e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(env("GATEWAY_SECRET", "change-me-to-the-output-of-openssl-rand-hex-32")));
        assertTrue(e.getMessage().contains("GATEWAY_SECRET: still the placeholder"), e.getMessage());
    }

    @Test
    void dotEnvValuesLoseOnePairOfQuotesAsTheShellReadsThem() {
        assertEquals("[{\"a\":1}]", Environment.unquoted("'[{\"a\":1}]'"));
        assertEquals("x y", Environment.unquoted("\"x y\""));
        assertEquals("'x", Environment.unquoted("'x"));
        assertEquals("'x\"", Environment.unquoted("'x\""));
        assertEquals("", Environment.unquoted("''"));
        assertEquals("plain", Environment.unquoted("plain"));
    }
}
