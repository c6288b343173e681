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

    /**
     * The gateway's command line in a process of its own, in an empty directory (no .env), with one token and the
     * machine's own tokens and backends variables left out.
     */
    static ProcessBuilder command(String... args) throws java.io.IOException {
        Path dir = Files.createTempDirectory("llm-proxy-cli-");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.llmproxy.Main"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("TOKENS_") || k.startsWith("BACKENDS_"));
        pb.environment().put("TOKENS_JSON", "[{\"token\":\"sk-cli-test-0123456789\",\"label\":\"cli\"}]");
        return pb;
    }

    static Run run(String... args) throws Exception {
        Process p = command(args).start();
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

    @Test
    void everyCommandSaysWhatItTakesWhenAskedForHelp() throws Exception {
        for (String command : List.of("serve", "check-config", "render-nginx", "mint-token", "usage-report")) {
            for (String help : List.of("--help", "-h")) {
                Run r = run(command, help);
                assertEquals(0, r.exit(), command + " " + help + ":\n" + r.out());
                assertTrue(r.out().startsWith("usage: java -jar llm-proxy.jar\n  " + command + " "), r.out());
            }
        }
        assertTrue(run("mint-token", "--help").out().contains("[--models A,B]"), "--models works: it is named");
        assertTrue(run("help").out().contains("mint-token --label NAME [--rpm N] [--rpd N] [--models A,B]"));
    }

    @Test
    void usageReportSaysWhatIsWrongInOneLine() throws Exception {
        Run format = run("usage-report", "--format", "xml", "file.log");
        assertEquals(64, format.exit());
        assertTrue(
                format.out().startsWith("usage-report: --format must be table, json or csv, got \"xml\"\n"),
                format.out());
        Run none = run("usage-report");
        assertTrue(none.out().startsWith("usage-report: name at least one access log (- for standard input)\n"));

        Run missing = run("usage-report", "nofile.log");
        assertEquals(64, missing.exit());
        assertEquals("usage-report: cannot read nofile.log: no such file\n", missing.out());
        Path dir = Files.createTempDirectory("llm-proxy-logs-");
        Run directory = run("usage-report", dir.toString());
        assertEquals(64, directory.exit());
        assertEquals("usage-report: cannot read " + dir + ": is a directory\n", directory.out());
    }

    @Test
    void aFileACommandCannotReadIsNamedWithTheReason() throws Exception {
        Run r = run("render-nginx", "--template", "/nonexistent/nginx.conf.template");
        assertEquals(64, r.exit());
        assertEquals("render-nginx: cannot read /nonexistent/nginx.conf.template: no such file\n", r.out());
    }
}
