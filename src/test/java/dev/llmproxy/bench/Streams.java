package dev.llmproxy.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Many concurrent streams: time to first byte, and the largest gap between chunks of each stream. */
final class Streams {
    record Result(String name, int streams, double ttfbP50, double ttfbP99, double gapP99, int errors, double seconds) {}

    private record One(double ttfbMs, double maxGapMs, boolean ok) {}

    private Streams() {}

    static Result run(String name, String url, String body, int count, String token) throws Exception {
        measure(name, url, body, Math.min(count, 50), token); // warm-up, not reported
        return measure(name, url, body, count, token);
    }

    private static Result measure(String name, String url, String body, int count, String token) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        var go = new CountDownLatch(1);
        List<Future<One>> futures = new ArrayList<>();
        long start = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return one(client, url, body, token);
                }));
            }
            go.countDown();
            List<One> all = new ArrayList<>();
            for (var f : futures) {
                all.add(f.get(120, TimeUnit.SECONDS));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double[] ttfb = all.stream().filter(One::ok).mapToDouble(One::ttfbMs).sorted().toArray();
            double[] gaps = all.stream().filter(One::ok).mapToDouble(One::maxGapMs).sorted().toArray();
            int errors = (int) all.stream().filter(o -> !o.ok()).count();
            return new Result(name, count, pct(ttfb, 50), pct(ttfb, 99), pct(gaps, 99), errors, seconds);
        }
    }

    private static One one(HttpClient client, String url, String body, String token) {
        try {
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
            if (token != null) {
                req.header("Authorization", "Bearer " + token);
            }
            long t0 = System.nanoTime();
            HttpResponse<java.io.InputStream> r = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                r.body().close();
                return new One(0, 0, false);
            }
            long last = -1;
            double ttfb = -1;
            double maxGap = 0;
            boolean done = false;
            try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.isBlank()) {
                        continue;
                    }
                    long now = System.nanoTime();
                    if (last < 0) {
                        ttfb = (now - t0) / 1e6;
                    } else {
                        maxGap = Math.max(maxGap, (now - last) / 1e6);
                    }
                    last = now;
                    done |= line.equals("data: [DONE]") || line.contains("\"done\":true");
                }
            }
            return new One(ttfb, maxGap, done);
        } catch (Exception e) {
            return new One(0, 0, false);
        }
    }

    private static double pct(double[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    static String table(List<Result> rows) {
        StringBuilder out = new StringBuilder("| path | streams | TTFB p50 ms | TTFB p99 ms | largest chunk gap p99 ms | errors |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        for (Result r : rows) {
            out.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %d |%n",
                    r.name(), r.streams(), r.ttfbP50(), r.ttfbP99(), r.gapP99(), r.errors()));
        }
        return out.toString();
    }

}
