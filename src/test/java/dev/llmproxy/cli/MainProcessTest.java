package dev.llmproxy.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The commands as an operator runs them, in a process of their own: exit codes, and never a stack trace. */
class MainProcessTest {
    record Run(int exit, String out) {}

    static Run run(String... args) throws Exception {
        Path dir = Files.createTempDirectory("llm-proxy-cli-"); // no .env here
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.llmproxy.Main"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("TOKENS_") || k.startsWith("BACKENDS_"));
        pb.environment().put("TOKENS_JSON", "[{\"token\":\"sk-cli-test-0123456789\",\"label\":\"cli\"}]");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertFalse(out.contains("\tat ") || out.contains("Exception in thread"), "a stack trace:\n" + out);
        return new Run(p.exitValue(), out);
    }

    @Test
    void mintTokenRefusesWhatTheConfigurationWouldRefuseAndNeverMintsATokenWithoutItsLimit() throws Exception {
        for (String[] bad : new String[][] {
            {"mint-token", "--label", "a", "--rmp", "60"},
            {"mint-token", "--label", "a", "--rpm", "-5"},
            {"mint-token", "--label", "a", "--rpm", "0"},
            {"mint-token", "--label", "has space"},
            {"mint-token", "--label"},
            {"mint-token"},
        }) {
            Run r = run(bad);
            assertEquals(64, r.exit(), String.join(" ", bad) + ":\n" + r.out());
            assertFalse(r.out().contains("token (give it"), "a token was printed: " + r.out());
        }
        Run label = run("mint-token", "--label", "bad label!");
        assertEquals(
                "mint-token: label must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, got"
                        + " \"bad label!\"\n",
                label.out());
        Run zero = run("mint-token", "--label", "a", "--rpm", "0");
        assertTrue(zero.out().startsWith("mint-token: rpm must be a positive integer"), zero.out());
        Run ok = run("mint-token", "--label", "team-a", "--rpm", "60", "--models", "vllm:*, echo");
        assertEquals(0, ok.exit(), ok.out());
        assertTrue(ok.out().contains("\"rpm\":60") && ok.out().contains("\"models\":[\"vllm:*\",\"echo\"]"), ok.out());
    }

    @Test
    void otherCommandsFailWithOneMessage() throws Exception {
        assertEquals(64, run("usage-report").exit());
        assertEquals(64, run("no-such-command").exit());
        assertEquals(0, run("help").exit());
        Run config = run("check-config");
        assertEquals(0, config.exit(), config.out());
        assertTrue(config.out().contains("configuration OK"), config.out());
    }
}
