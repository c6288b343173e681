package dev.llmproxy.cli;

import dev.llmproxy.usage.UsageReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** {@code usage-report [--format table|json|csv] [--by-day] ACCESS_LOG...}; a log named "-" is standard input. */
public final class UsageReportCommand {
    private UsageReportCommand() {}

    public static void run(String[] args) throws IOException {
        Options o = Options.parse(args, Set.of("format"), Set.of("by-day"), true);
        String format = o.get("format", "table");
        if (!List.of("table", "json", "csv").contains(format)) {
            throw usage("--format must be table, json or csv, got \"" + format + "\"");
        }
        if (o.arguments().isEmpty()) {
            throw usage("name at least one access log (- for standard input)");
        }
        UsageReport report = new UsageReport(o.switches().contains("by-day"));
        for (String log : o.arguments()) {
            try (Stream<String> lines = log.equals("-")
                    ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).lines()
                    : Files.lines(Path.of(log))) {
                lines.forEach(report::add);
            } catch (IOException | UncheckedIOException e) { // a directory fails only once read
                throw FileProblem.cannot("usage-report", "read", log, e);
            }
        }
        System.out.print(
                switch (format) {
                    case "json" -> report.json();
                    case "csv" -> report.csv();
                    default -> report.table();
                });
        if (report.skipped() > 0) {
            System.err.println(report.skipped() + " line(s) were not gateway access-log records and were skipped");
        }
    }

    private static IllegalArgumentException usage(String problem) {
        return new IllegalArgumentException(
                "usage-report: " + problem + "\n" + Usage.of("usage-report").orElseThrow());
    }
}
