package dev.llmproxy.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigException;
import dev.llmproxy.config.ConfigLoader;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandsTest {
    static Config config(String sidecarPort) {
        return ConfigLoader.load(Map.of(
                "TOKENS_JSON",
                "[{\"token\":\"sk-commands-test-1\",\"label\":\"a\"}]",
                "GATEWAY_SECRET",
                "0123456789abcdef0123456789abcdef",
                "SIDECAR_PORT",
                sidecarPort));
    }

    @Test
    void serveNamesThePortItGot() {
        assertEquals(
                "llm-proxy sidecar listening on 127.0.0.1:41234 (store memory, default backend vllm)",
                Serve.listening(config("0"), 41234));
    }

    @Test
    void nginxCannotBeToldAPortNotYetPicked() {
        var e = assertThrows(
                ConfigException.class,
                () -> RenderNginx.write(config("0"), Options.parse(new String[0], RenderNginx.FLAGS)));
        assertTrue(
                e.getMessage().contains("SIDECAR_PORT: 0 (any free port) cannot be written into nginx's config"),
                e.getMessage());
    }

    @Test
    void mintTokenRefusesABadNumberOrAMisspelledFlagBeforeMinting() {
        assertThrows(IllegalArgumentException.class, () -> MintToken.run(new String[] {"--label", "a", "--rpm", "x"}));
        assertThrows(IllegalArgumentException.class, () -> MintToken.run(new String[] {"--label", "a", "--rmp", "5"}));
    }
}
