package dev.llmproxy.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretFileTest {
    @Test
    void createsARandomSecretOnceAndKeepsIt() throws Exception {
        Path file = Files.createTempDirectory("secret").resolve("state/gateway-secret");
        Map<String, String> first = SecretFile.resolve(Map.of("GATEWAY_SECRET_FILE", file.toString()));
        String secret = first.get("GATEWAY_SECRET");
        assertTrue(secret.matches("[0-9a-f]{64}"), secret);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(
                secret,
                SecretFile.resolve(Map.of("GATEWAY_SECRET_FILE", file.toString()))
                        .get("GATEWAY_SECRET"),
                "kept across restarts");
        assertTrue(ConfigLoader.load(Map.of(
                        "TOKENS_JSON", "[{\"token\":\"sk-abcdefgh1\",\"label\":\"a\"}]", "GATEWAY_SECRET", secret))
                .gatewaySecret()
                .isPresent());
    }

    @Test
    void anExplicitSecretWinsAndNoFileMeansNoChange() throws Exception {
        Path file = Files.createTempDirectory("secret").resolve("s");
        var env = Map.of(
                "GATEWAY_SECRET_FILE", file.toString(), "GATEWAY_SECRET", "given-0123456789abcdef0123456789abcdef");
        assertEquals(
                "given-0123456789abcdef0123456789abcdef",
                SecretFile.resolve(env).get("GATEWAY_SECRET"));
        assertFalse(Files.exists(file));
        assertNull(SecretFile.resolve(Map.of("TOKENS_JSON", "[]")).get("GATEWAY_SECRET"));
    }
}
