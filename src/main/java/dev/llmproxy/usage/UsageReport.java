package dev.llmproxy.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.support.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * "Who used what, how much, how fast", from nginx's JSON access log: per token label and model (and per
 * day, if asked), requests, errors by class, 429s, latency percentiles and the tokens the model servers
 * reported (non-streamed Ollama answers; vLLM's and streamed usage are not in the log).
 */
public final class UsageReport {
    private static final ObjectMapper JSON = Json.MAPPER;

    /** One group's figures. Latencies in milliseconds. */
    public record Row(
            String day,
            String tokenLabel,
            String model,
            long requests,
            long ok,
            long aborted,
            long clientErrors,
            long rateLimited,
            long serverErrors,
            double p50,
            double p95,
            double p99,
            long promptTokens,
            long completionTokens) {}

    private record Key(String day, String label, String model) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            return Arrays.compare(new String[] {day, label, model}, new String[] {o.day, o.label, o.model});
        }
    }

    private static final class Group {
        long requests;
        long ok;
        long aborted;
        long clientErrors;
        long rateLimited;
        long serverErrors;
        long promptTokens;
        long completionTokens;
        final List<Double> latencies = new ArrayList<>();
    }

    private final boolean byDay;
    private final Map<Key, Group> groups = new TreeMap<>();
    private long skipped;

    public UsageReport(boolean byDay) {
        this.byDay = byDay;
    }

    /** Adds one access-log line; lines that are not gateway JSON records are counted and skipped. */
    public void add(String line) {
        JsonNode e;
        try {
            e = JSON.readTree(line);
        } catch (IOException notJson) {
            skipped++;
            return;
        }
        if (e == null || !e.has("status") || !e.has("request_time")) {
            skipped++;
            return;
        }
        String path = e.path("path").asText("");
        if (!path.startsWith("/v1/") || e.path("method").asText("").equals("OPTIONS")) {
            return; // health checks, preflights and stray URLs are not usage
        }
        String day = byDay
                ? e.path("time")
                        .asText("")
                        .substring(0, Math.min(10, e.path("time").asText("").length()))
                : "";
        Key key = new Key(
                day,
                orDash(e.path("token_label").asText("")),
                orDash(e.path("model").asText("")));
        Group g = groups.computeIfAbsent(key, k -> new Group());
        int status = e.path("status").asInt();
        g.requests++;
        // A stream the client left shows its 200 (sent first), but nginx's request_completion is not "OK"; 499 is a
        // client gone before the answer. Neither is a success. (Older lines have no completion field.)
        boolean incomplete =
                e.has("completion") && !e.path("completion").asText().equals("OK");
        if (status == 499 || (status < 400 && incomplete)) {
            g.aborted++;
        } else if (status < 400) {
            g.ok++;
        } else if (status == 429) {
            g.rateLimited++;
        } else if (status < 500) {
            g.clientErrors++;
        } else {
            g.serverErrors++;
        }
        g.latencies.add(e.path("request_time").asDouble() * 1000);
        g.promptTokens += number(e.path("prompt_tokens"));
        g.completionTokens += number(e.path("completion_tokens"));
    }

    public long skipped() {
        return skipped;
    }

    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        groups.forEach((k, g) -> {
            double[] sorted = g.latencies.stream()
                    .mapToDouble(Double::doubleValue)
                    .sorted()
                    .toArray();
            rows.add(new Row(
                    k.day(),
                    k.label(),
                    k.model(),
                    g.requests,
                    g.ok,
                    g.aborted,
                    g.clientErrors,
                    g.rateLimited,
                    g.serverErrors,
                    percentile(sorted, 50),
                    percentile(sorted, 95),
                    percentile(sorted, 99),
                    g.promptTokens,
                    g.completionTokens));
        });
        return rows;
    }

    /** Nearest-rank percentile. */
    static double percentile(double[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static long number(JsonNode n) {
        String s = n.asText("");
        return s.matches("\\d{1,18}") ? Long.parseLong(s) : 0;
    }

    private static String orDash(String s) {
        return s.isEmpty() ? "-" : s;
    }

    private static final String[] COLUMNS = {
        "day",
        "token_label",
        "model",
        "requests",
        "ok",
        "aborted",
        "4xx",
        "429",
        "5xx",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "prompt_tokens",
        "completion_tokens"
    };

    private List<String> cells(Row r) {
        List<String> c = new ArrayList<>(List.of(
                r.day(),
                r.tokenLabel(),
                r.model(),
                Long.toString(r.requests()),
                Long.toString(r.ok()),
                Long.toString(r.aborted()),
                Long.toString(r.clientErrors()),
                Long.toString(r.rateLimited()),
                Long.toString(r.serverErrors()),
                ms(r.p50()),
                ms(r.p95()),
                ms(r.p99()),
                Long.toString(r.promptTokens()),
                Long.toString(r.completionTokens())));
        return byDay ? c : c.subList(1, c.size());
    }

    private List<String> header() {
        List<String> h = Arrays.asList(COLUMNS);
        return byDay ? h : h.subList(1, h.size());
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A readable, aligned table. */
    public String table() {
        List<List<String>> lines = new ArrayList<>();
        lines.add(header());
        rows().forEach(r -> lines.add(cells(r)));
        int[] width = new int[lines.get(0).size()];
        for (List<String> l : lines) {
            for (int i = 0; i < l.size(); i++) {
                width[i] = Math.max(width[i], l.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> l : lines) {
            for (int i = 0; i < l.size(); i++) {
                boolean numeric = i >= (byDay ? 3 : 2);
                String cell = l.get(i);
                String pad = " ".repeat(width[i] - cell.length());
                out.append(i == 0 ? "" : "  ").append(numeric ? pad + cell : cell + pad);
            }
            out.append('\n');
        }
        return out.toString();
    }

    public String csv() {
        StringBuilder out = new StringBuilder(String.join(",", header())).append('\n');
        for (Row r : rows()) {
            out.append(String.join(
                            ",", cells(r).stream().map(UsageReport::csvCell).toList()))
                    .append('\n');
        }
        return out.toString();
    }

    private static String csvCell(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    public String json() {
        ArrayNode out = JSON.createArrayNode();
        for (Row r : rows()) {
            ObjectNode o = out.addObject();
            List<String> h = header();
            List<String> c = cells(r);
            for (int i = 0; i < h.size(); i++) {
                boolean numeric = i >= (byDay ? 3 : 2);
                if (!numeric) {
                    o.put(h.get(i), c.get(i));
                } else if (c.get(i).contains(".")) {
                    o.put(h.get(i), Double.parseDouble(c.get(i)));
                } else {
                    o.put(h.get(i), Long.parseLong(c.get(i)));
                }
            }
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
