package dev.llmproxy.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigException;
import dev.llmproxy.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void checkConfigShowsWhomNginxAsksForNames() {
        Map<String, String> env =
                new java.util.HashMap<>(Map.of("TOKENS_JSON", "[{\"token\":\"sk-commands-test-1\",\"label\":\"a\"}]"));
        assertTrue(CheckConfig.summary(ConfigLoader.load(env)).endsWith(", nginx on 127.0.0.1:8080, resolver off"));
        env.put("NGINX_RESOLVER", "auto ipv6=off");
        assertTrue(CheckConfig.summary(ConfigLoader.load(env)).endsWith(", resolver auto ipv6=off"));
        env.put("NGINX_RESOLVER", "127.0.0.11, dns.example.com:5353");
        assertTrue(CheckConfig.summary(ConfigLoader.load(env)).endsWith(", resolver 127.0.0.11 dns.example.com:5353"));
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

    @Test
    void renderNginxMakesTheDirectoriesNginxNeedsButDoesNotMake(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("conf");
        Path run = dir.resolve("run/nginx");
        Path logs = dir.resolve("logs/a");
        Path errors = dir.resolve("logs/b");
        RenderNginx.write(
                config("8081"),
                Options.parse(
                        new String[] {
                            "--out-dir", out.toString(),
                            "--run-dir", run.toString(),
                            "--access-log", logs.resolve("access.log").toString(),
                            "--error-log", errors.resolve("error.log").toString()
                        },
                        RenderNginx.FLAGS));
        assertTrue(Files.isRegularFile(out.resolve("nginx.conf")));
        assertTrue(Files.isDirectory(run), "nginx opens its pid file there");
        assertTrue(Files.isDirectory(logs) && Files.isDirectory(errors), "nginx opens its logs there");
        assertFalse(Files.exists(logs.resolve("access.log")), "the logs are nginx's own");

        // Not a file's directory: standard streams, and nginx's own names (relative to its prefix, or not files).
        Path plain = dir.resolve("plain");
        RenderNginx.write(
                config("8081"),
                Options.parse(
                        new String[] {
                            "--out-dir",
                            plain.toString(),
                            "--run-dir",
                            plain.toString(),
                            "--access-log",
                            "/dev/stdout",
                            "--error-log",
                            "stderr"
                        },
                        RenderNginx.FLAGS));
        assertTrue(Files.isRegularFile(plain.resolve("nginx.conf")));
    }

    @Test
    void theRenderedConfigHoldsTheSecretSoOnlyItsOwnerMayReadIt(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("d");
        RenderNginx.write(config("8081"), Options.parse(new String[] {"--out-dir", out.toString()}, RenderNginx.FLAGS));
        assertEquals(
                "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("nginx.conf"))));
        // A config written before, readable by anyone, is not left so.
        Path older = Files.writeString(dir.resolve("nginx.conf"), "old");
        Files.setPosixFilePermissions(older, PosixFilePermissions.fromString("rw-r--r--"));
        RenderNginx.write(config("8081"), Options.parse(new String[] {"--out", older.toString()}, RenderNginx.FLAGS));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(older)));
        assertTrue(Files.readString(older).contains("0123456789abcdef0123456789abcdef"));
    }

    /** Kubernetes' fsGroup volume: the directory gives its files nginx's group, which must read the config. */
    @Test
    void inADirectoryThatSharesItsGroupThatGroupMayReadIt(@TempDir Path dir) throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        assertEquals(
                0, new ProcessBuilder("chmod", "g+s", shared.toString()).start().waitFor());
        RenderNginx.write(
                config("8081"), Options.parse(new String[] {"--out-dir", shared.toString()}, RenderNginx.FLAGS));
        assertEquals(
                "rw-r-----",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(shared.resolve("nginx.conf"))));
    }
}
