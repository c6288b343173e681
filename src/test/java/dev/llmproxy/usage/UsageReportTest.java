package dev.llmproxy.usage;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The usage report, on an access log written by a real nginx run of the gateway. */
class UsageReportTest {
    static final String TEAM = "sk-usage-team-0123";
    static final String OTHER = "sk-usage-other-0123";
    static final String CHAT = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    static UsageReport.Row row(List<UsageReport.Row> rows, String label, String model) {
        return rows.stream()
                .filter(r -> r.tokenLabel().equals(label) && r.model().equals(model))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + label + " / " + model + " in " + rows));
    }

    @Test
    @Integration
    void reportsPerLabelAndModelFromARealAccessLog() throws Exception {
        String log;
        try (Gateway gw = Gateway.start(
                "[{\"token\":\"" + TEAM + "\",\"label\":\"team-a\",\"rpm\":3},{\"token\":\"" + OTHER
                        + "\",\"label\":\"other\"}]",
                Map.of())) {
            for (int i = 0; i < 4; i++) {
                Http.post(gw.url("/v1/chat/completions"), CHAT.formatted("vllm:llama3"), "Authorization", bearer(TEAM));
            }
            Http.post(gw.url("/v1/chat/completions"), CHAT.formatted("vllm:llama3"));
            for (int i = 0; i < 2; i++) {
                assertEquals(
                        200,
                        Http.post(
                                        gw.url("/v1/chat/completions"),
                                        CHAT.formatted("ollama:llama3.2"),
                                        "Authorization",
                                        bearer(OTHER))
                                .statusCode());
            }
            Http.post(gw.url("/v1/chat/completions"), CHAT.formatted("ollama:nope"), "Authorization", bearer(OTHER));
            Http.get(gw.url("/healthz"));
            String metrics = Http.get(gw.sidecarUrl("/metrics")).body();
            assertTrue(
                    metrics.contains("llmproxy_tokens_total{token_label=\"other\",direction=\"completion\"} 10"),
                    metrics);
            assertTrue(
                    metrics.contains(
                            "llmproxy_upstream_seconds_count{backend=\"ollama\",endpoint=\"/v1/chat/completions\"} 3"),
                    metrics);
            Thread.sleep(100);
            log = gw.accessLog();
        }
        UsageReport report = new UsageReport(false);
        log.lines().forEach(report::add);
        report.add("not json at all");
        assertEquals(1, report.skipped());
        List<UsageReport.Row> rows = report.rows();

        var team = row(rows, "team-a", "vllm:llama3");
        assertEquals(4, team.requests());
        assertEquals(3, team.ok());
        assertEquals(1, team.rateLimited());
        assertTrue(team.p99() >= team.p50() && team.p50() >= 0);
        // Refused before its body is read: neither a label nor a model.
        assertEquals(1, row(rows, "-", "-").clientErrors(), "the unauthenticated call");
        var ollama = row(rows, "other", "ollama:llama3.2");
        assertEquals(2, ollama.ok());
        assertEquals(10, ollama.completionTokens(), "5 tokens per answer, from Ollama's eval_count");
        assertTrue(ollama.promptTokens() > 0);
        assertEquals(1, row(rows, "other", "ollama:nope").clientErrors());

        assertTrue(report.table().lines().findFirst().orElseThrow().startsWith("token_label"));
        assertTrue(report.table().contains("team-a"));
        JsonNode json = new ObjectMapper().readTree(report.json());
        assertEquals(rows.size(), json.size());
        var byDay = new UsageReport(true);
        log.lines().forEach(byDay::add);
        assertTrue(byDay.rows().get(0).day().matches("\\d{4}-\\d{2}-\\d{2}"));

        // The command, as operators run it.
        Path file = Files.createTempFile("access", ".log");
        Files.writeString(file, log);
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.llmproxy.Main",
                        "usage-report",
                        "--format",
                        "csv",
                        file.toString())
                .redirectErrorStream(true)
                .start();
        String csv = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), csv);
        assertTrue(
                csv.startsWith(
                        "token_label,model,requests,ok,aborted,4xx,429,5xx,p50_ms,p95_ms,p99_ms,prompt_tokens,completion_tokens\n"),
                csv);
        assertTrue(csv.contains("other,ollama:llama3.2,2,2,0,0,0,"), csv);
    }

    @Test
    void percentilesAreNearestRank() {
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, UsageReport.percentile(v, 50));
        assertEquals(10, UsageReport.percentile(v, 95));
        assertEquals(10, UsageReport.percentile(v, 99));
        assertEquals(0, UsageReport.percentile(new double[0], 50));
    }
}
