package dev.llmproxy.cli;

import dev.llmproxy.usage.UsageReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** {@code usage-report [--format table|json|csv] [--by-day] ACCESS_LOG...}; a log named "-" is standard input. */
public final class UsageReportCommand {
    private static final String SYNOPSIS = "usage-report [--format table|json|csv] [--by-day] ACCESS_LOG...";

    private UsageReportCommand() {}

    public static void run(String[] args) throws IOException {
        Options o = Options.parse(args, Set.of("format"), Set.of("by-day"), true);
        String format = o.get("format", "table");
        if (o.arguments().isEmpty() || !List.of("table", "json", "csv").contains(format)) {
            throw new IllegalArgumentException(SYNOPSIS);
        }
        UsageReport report = new UsageReport(o.switches().contains("by-day"));
        for (String log : o.arguments()) {
            try (Stream<String> lines = log.equals("-")
                    ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).lines()
                    : Files.lines(Path.of(log))) {
                lines.forEach(report::add);
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
}
