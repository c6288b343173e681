package dev.llmproxy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One wrk load row: throughput, latency percentiles, errors and the system under test's CPU per request. */
final class Load {
    private static final Pattern LINE =
            Pattern.compile("BENCH requests=(\\d+) seconds=([\\d.]+) p50=([\\d.]+) p99=([\\d.]+) "
                    + "p999=([\\d.]+) socket_errors=(\\d+) non2xx=(\\d+)");
    /** Linux reports process CPU time in clock ticks of 1/100 s. */
    static final double TICK_US = 10_000;

    record Result(
            String name,
            long requests,
            double rps,
            double p50,
            double p99,
            double p999,
            long errors,
            double cpuUsPerRequest,
            String cpuSplit) {}

    private Load() {}

    static Result run(
            int warmup, String name, String url, Benchmark.Target target, int seconds, int connections, String body)
            throws Exception {
        wrk(url, warmup, connections, body); // warm-up: JIT, connection pools
        List<Long> pids = target.pids();
        long[] before = new long[pids.size()];
        for (int i = 0; i < pids.size(); i++) {
            before[i] = cpuTicks(List.of(pids.get(i)));
        }
        long cpuBefore = cpuTicks(pids);
        String out = wrk(url, seconds, connections, body);
        long cpuAfter = cpuTicks(pids);
        StringBuilder split = new StringBuilder();
        for (int i = 0; i < pids.size(); i++) {
            split.append(split.isEmpty() ? "" : " + ").append(cpuTicks(List.of(pids.get(i))) - before[i]);
        }
        Matcher m = LINE.matcher(out);
        Benchmark.check(m.find(), "wrk printed no result: " + out);
        long requests = Long.parseLong(m.group(1));
        double cpu = pids.isEmpty() || requests == 0 ? Double.NaN : (cpuAfter - cpuBefore) * TICK_US / requests;
        return new Result(
                name,
                requests,
                requests / Double.parseDouble(m.group(2)),
                Double.parseDouble(m.group(3)),
                Double.parseDouble(m.group(4)),
                Double.parseDouble(m.group(5)),
                Long.parseLong(m.group(6)) + Long.parseLong(m.group(7)),
                cpu,
                split.toString());
    }

    /** wrk in the background: for loading a system while something else is measured. Stop it with destroy(). */
    static Process background(String url, int connections, String body) throws Exception {
        return start(url, 3600, connections, body);
    }

    private static Process start(String url, int seconds, int connections, String body) throws Exception {
        List<String> command = new ArrayList<>(Benchmark.LOAD_CORE);
        command.addAll(List.of(
                "wrk",
                "-t1",
                "-c" + connections,
                "-d" + seconds + "s",
                "-s",
                "bench/post.lua",
                url + "/v1/chat/completions"));
        Path file = Files.createTempFile("bench-body", ".json");
        file.toFile().deleteOnExit();
        Files.writeString(file, body);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("BENCH_TOKEN", Benchmark.TOKEN);
        pb.environment().put("BENCH_BODY_FILE", file.toString());
        return pb.start();
    }

    private static String wrk(String url, int seconds, int connections, String body) throws Exception {
        Process p = start(url, seconds, connections, body);
        String out = new String(p.getInputStream().readAllBytes());
        Benchmark.check(p.waitFor(seconds + 30L, TimeUnit.SECONDS), "wrk did not finish");
        return out;
    }

    static long cpuTicks(List<Long> pids) throws IOException {
        long total = 0;
        for (long pid : pids) {
            Path stat = Path.of("/proc/" + pid + "/stat");
            if (Files.exists(stat)) {
                String s = Files.readString(stat);
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                total += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
            }
        }
        return total;
    }

    static String table(List<Result> rows, Result baseline) {
        StringBuilder out = new StringBuilder();
        out.append(
                "| system | requests/s | × plain nginx | p50 ms | p99 ms | p99.9 ms | errors | CPU µs/request | CPU ticks by process |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Result r : rows) {
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %.0f | %.2f | %.2f | %.2f | %.2f | %d | %.0f | %s |%n",
                    r.name(),
                    r.rps(),
                    r.rps() / baseline.rps(),
                    r.p50(),
                    r.p99(),
                    r.p999(),
                    r.errors(),
                    r.cpuUsPerRequest(),
                    r.cpuSplit()));
        }
        return out.toString();
    }

    /** Rows grouped by prompt: the first of each group is plain nginx, the baseline of the rows after it. */
    static String promptTable(List<Result> rows) {
        StringBuilder out = new StringBuilder();
        out.append(
                "| prompt and system | requests/s | × plain nginx | p50 ms | p99 ms | errors | CPU µs/request | × plain nginx CPU | CPU ticks by process |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        Result baseline = rows.get(0);
        for (Result r : rows) {
            if (r.name().contains("plain nginx")) {
                baseline = r;
            }
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %.0f | %.2f | %.2f | %.2f | %d | %.0f | %.2f | %s |%n",
                    r.name(),
                    r.rps(),
                    r.rps() / baseline.rps(),
                    r.p50(),
                    r.p99(),
                    r.errors(),
                    r.cpuUsPerRequest(),
                    r.cpuUsPerRequest() / baseline.cpuUsPerRequest(),
                    r.cpuSplit()));
        }
        return out.toString();
    }

    static String sequentialTable(Result direct, List<Result> rows) {
        StringBuilder out = new StringBuilder();
        out.append("| path | p50 ms | p99 ms | added p50 ms | added p99 ms |\n|---|---:|---:|---:|---:|\n");
        out.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | | |%n", direct.name(), direct.p50(), direct.p99()));
        for (Result r : rows) {
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %.3f | %.3f | %.3f | %.3f |%n",
                    r.name(),
                    r.p50(),
                    r.p99(),
                    r.p50() - direct.p50(),
                    r.p99() - direct.p99()));
        }
        return out.toString();
    }
}
