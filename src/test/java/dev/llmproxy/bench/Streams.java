package dev.llmproxy.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Many concurrent streams: time to first byte, and the largest gap between chunks of each stream. */
final class Streams {
    record Result(
            String name,
            int concurrent,
            int streams,
            double ttfbP50,
            double ttfbP99,
            double gapP99,
            int errors,
            double cpuMsPerStream,
            String cpuSplit,
            double ttfbMax,
            double gapMax) {}

    private record One(double ttfbMs, double maxGapMs, boolean ok) {}

    private Streams() {}

    /**
     * Keeps {@code count} streams open at all times for {@code seconds}: {@code count} clients, each
     * starting its next stream when its last one ends, their first starts spread over {@code rampMillis}
     * (one stream's length), so streams begin and end all the time as on a gateway in service, rather than
     * all in the same millisecond. Only streams begun after the ramp are reported. Before that, {@code warmupSeconds}
     * of the same, unreported: a sidecar just started spends most of its CPU compiling (JIT).
     */
    static Result run(
            String name,
            Benchmark.Target target,
            String path,
            String body,
            int count,
            String token,
            int warmupSeconds,
            int seconds,
            long rampMillis)
            throws Exception {
        measure(name, target, path, body, count, token, warmupSeconds, rampMillis);
        return measure(name, target, path, body, count, token, seconds, rampMillis);
    }

    private static Result measure(
            String name,
            Benchmark.Target system,
            String path,
            String body,
            int count,
            String token,
            int seconds,
            long rampMillis)
            throws Exception {
        URI target = URI.create(system.url() + path);
        List<Long> pids = system.pids();
        long start = System.nanoTime();
        long steady = start + TimeUnit.MILLISECONDS.toNanos(rampMillis);
        long end = steady + TimeUnit.SECONDS.toNanos(seconds);
        List<One> all = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> clients = new ArrayList<>();
        long[] before;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                long offset = rampMillis * i / count;
                clients.add(pool.submit(() -> {
                    Thread.sleep(offset);
                    while (System.nanoTime() < end) {
                        boolean counted = System.nanoTime() >= steady;
                        One one = one(target, body, token);
                        if (counted) {
                            all.add(one);
                        }
                    }
                    return null;
                }));
            }
            Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(steady - System.nanoTime())));
            before = new long[pids.size()];
            for (int i = 0; i < pids.size(); i++) {
                before[i] = Load.cpuTicks(List.of(pids.get(i)));
            }
            for (var c : clients) {
                c.get(seconds + 120L, TimeUnit.SECONDS);
            }
        }
        long ticks = 0;
        StringBuilder split = new StringBuilder();
        for (int i = 0; i < pids.size(); i++) {
            long t = Load.cpuTicks(List.of(pids.get(i))) - before[i];
            ticks += t;
            split.append(split.isEmpty() ? "" : " + ").append(t);
        }
        List<One> done = List.copyOf(all);
        double cpuMs = done.isEmpty() ? Double.NaN : ticks * Load.TICK_US / 1000 / done.size();
        double[] ttfb =
                done.stream().filter(One::ok).mapToDouble(One::ttfbMs).sorted().toArray();
        double[] gaps = done.stream()
                .filter(One::ok)
                .mapToDouble(One::maxGapMs)
                .sorted()
                .toArray();
        int errors = (int) done.stream().filter(o -> !o.ok()).count();
        return new Result(
                name,
                count,
                done.size(),
                pct(ttfb, 50),
                pct(ttfb, 99),
                pct(gaps, 99),
                errors,
                cpuMs,
                split.toString(),
                pct(ttfb, 100),
                pct(gaps, 100));
    }

    /**
     * One stream over a plain socket: a hand-written HTTP/1.1 request and a chunked-body reader, so the
     * client costs next to nothing and every line is timed when its bytes arrive (a general-purpose
     * HTTP client's own queues and threads would be measured too).
     */
    private static One one(URI url, String body, String token) {
        byte[] payload = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + url.getRawPath() + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort() + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + payload.length + "\r\nConnection: close\r\n"
                + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
        long t0 = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(60_000);
            socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            String status = asciiLine(in);
            if (status == null || !status.startsWith("HTTP/1.1 200")) {
                return new One(0, 0, false);
            }
            boolean chunked = false;
            for (String h; (h = asciiLine(in)) != null && !h.isEmpty(); ) {
                chunked |= h.toLowerCase(Locale.ROOT).startsWith("transfer-encoding:")
                        && h.toLowerCase(Locale.ROOT).contains("chunked");
            }
            InputStream bodyIn = chunked ? new Chunked(in) : in;
            long last = -1;
            double ttfb = -1;
            double maxGap = 0;
            boolean done = false;
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b; (b = bodyIn.read()) >= 0; ) {
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                String text = line.toString(StandardCharsets.UTF_8).strip();
                line.reset();
                if (text.isEmpty()) {
                    continue;
                }
                long now = System.nanoTime();
                if (last < 0) {
                    ttfb = (now - t0) / 1e6;
                } else {
                    maxGap = Math.max(maxGap, (now - last) / 1e6);
                }
                last = now;
                done |= text.equals("data: [DONE]") || text.contains("\"done\":true");
            }
            return new One(ttfb, maxGap, done);
        } catch (IOException e) {
            return new One(0, 0, false);
        }
    }

    /** A header line, CRLF removed; null at the end of the stream. */
    private static String asciiLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) b);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    /** HTTP/1.1 chunked transfer coding, decoded; ends at the last (zero-size) chunk. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean end;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (end) {
                return -1;
            }
            if (left == 0) {
                String size = asciiLine(in);
                if (size == null) {
                    throw new IOException("stream cut inside the chunked body");
                }
                if (size.isEmpty()) { // the CRLF after the previous chunk's data
                    size = asciiLine(in);
                }
                left = Long.parseLong(size.split(";", 2)[0].trim(), 16);
                if (left == 0) {
                    end = true;
                    return -1;
                }
            }
            int b = in.read();
            if (b < 0) {
                throw new IOException("stream cut inside a chunk");
            }
            left--;
            return b;
        }
    }

    private static double pct(double[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    static String table(List<Result> rows) {
        StringBuilder out = new StringBuilder(
                "| path | concurrent | streams measured | TTFB p50 ms | TTFB p99 ms | largest chunk gap p99 ms | errors | CPU ms/stream | CPU ticks by process |\n"
                        + "|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Result r : rows) {
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %.1f | %.1f | %.1f | %d | %.2f | %s |%n",
                    r.name(),
                    r.concurrent(),
                    r.streams(),
                    r.ttfbP50(),
                    r.ttfbP99(),
                    r.gapP99(),
                    r.errors(),
                    r.cpuMsPerStream(),
                    r.cpuSplit()));
        }
        return out.toString();
    }

    /** Streams measured while large prompts load the same system: the tails, where a stalled event loop shows. */
    static String stallTable(List<Result> rows) {
        StringBuilder out = new StringBuilder(
                "| path | concurrent | streams measured | TTFB p99 ms | TTFB max ms | largest chunk gap p99 ms | largest chunk gap max ms | errors |\n"
                        + "|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : rows) {
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %.1f | %.1f | %.1f | %.1f | %d |%n",
                    r.name(),
                    r.concurrent(),
                    r.streams(),
                    r.ttfbP99(),
                    r.ttfbMax(),
                    r.gapP99(),
                    r.gapMax(),
                    r.errors()));
        }
        return out.toString();
    }
}
