package dev.llmproxy.bench;

import dev.llmproxy.testing.FakeOllama;
import dev.llmproxy.testing.FakeVllm;
import dev.llmproxy.testing.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bounded mixed load on the whole gateway (nginx, sidecar process, Redis store): JSON and streams, vLLM
 * and Ollama, chat and embeddings, one token that runs into its limit. Reports errors by class, 429s,
 * latency, and the sidecar's RSS, heap and threads at the start and the end. Run with bench/soak.sh.
 */
public final class Soak {
    static final String BIG = "sk-soak-big-0123456789";
    static final String LIMITED = "sk-soak-limited-0123456789";

    public static void main(String[] args) throws Exception {
        int seconds = 600;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--minutes")) {
                seconds = Integer.parseInt(args[++i]) * 60;
            } else if (args[i].equals("--seconds")) {
                seconds = Integer.parseInt(args[++i]);
            }
        }
        var bench = new Benchmark(0, 0, 0, 0, 0);
        try {
            run(bench, seconds);
        } finally {
            for (int i = bench.running.size() - 1; i >= 0; i--) {
                bench.running.get(i).close();
            }
        }
        System.exit(0);
    }

    static void run(Benchmark bench, int seconds) throws Exception {
        FakeVllm vllm = new FakeVllm(null);
        vllm.streamChunks = 20;
        vllm.streamDelayMillis = 25;
        bench.running.add(vllm::close);
        FakeOllama ollama = new FakeOllama();
        ollama.slowTokens = 20;
        ollama.tokenDelayMillis = 25;
        bench.running.add(ollama::close);
        RedisServer redis = RedisServer.start(Benchmark.SUT_CORE);
        bench.running.add(redis::close);
        Benchmark.Target gw = bench.gateway(
                vllm.port(),
                Map.of(
                        "TOKENS_JSON",
                        "[{\"token\":\"" + BIG + "\",\"label\":\"soak-big\",\"rpm\":1000000,\"rpd\":1000000000},"
                                + "{\"token\":\"" + LIMITED + "\",\"label\":\"soak-limited\",\"rpm\":60}]",
                        "RATE_LIMIT_STORE",
                        "redis",
                        "REDIS_URL",
                        redis.url().toString(),
                        "OLLAMA_BASE_URL",
                        "http://127.0.0.1:" + ollama.port()));
        bench.running.add(gw);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();

        Map<String, Long> start = processFigures(client, gw.sidecarUrl());
        Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < 16; w++) {
                pool.submit(() -> {
                    while (System.nanoTime() < deadline) {
                        one(client, gw.url(), outcomes, latencies);
                    }
                    return null;
                });
            }
        }
        Map<String, Long> end = processFigures(client, gw.sidecarUrl());

        double[] sorted =
                latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        long total = outcomes.values().stream().mapToLong(LongAdder::sum).sum();
        System.out.printf(
                Locale.ROOT,
                "llm-proxy soak, %s, %d s, 16 concurrent clients, %d requests (%.0f/s)%n%n",
                LocalDate.now(),
                seconds,
                total,
                total / (double) seconds);
        System.out.println("| outcome | requests |\n|---|---:|");
        new TreeMap<>(outcomes).forEach((k, v) -> System.out.printf("| %s | %d |%n", k, v.sum()));
        System.out.printf(
                Locale.ROOT, "%nnon-streamed latency: p50 %.1f ms, p99 %.1f ms%n%n", pct(sorted, 50), pct(sorted, 99));
        System.out.println("| sidecar | start | end |\n|---|---:|---:|");
        for (String k :
                List.of("process_resident_memory_bytes", "llmproxy_jvm_heap_used_bytes", "llmproxy_jvm_threads")) {
            System.out.printf("| %s | %d | %d |%n", k, start.getOrDefault(k, -1L), end.getOrDefault(k, -1L));
        }
    }

    /** One request of a random kind; its outcome is counted by kind and status class. */
    static void one(
            HttpClient client, String base, Map<String, LongAdder> outcomes, ConcurrentLinkedQueue<Double> latencies) {
        var r = ThreadLocalRandom.current();
        int pick = r.nextInt(100);
        String token = r.nextInt(10) == 0 ? LIMITED : BIG;
        String kind;
        String path = "/v1/chat/completions";
        String body;
        if (pick < 60) {
            kind = "vllm chat";
            body = "{\"model\":\"vllm:llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        } else if (pick < 70) {
            kind = "vllm stream";
            body = "{\"model\":\"vllm:llama3\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        } else if (pick < 85) {
            kind = "ollama chat";
            body = "{\"model\":\"ollama:llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        } else if (pick < 95) {
            kind = "ollama stream";
            body = "{\"model\":\"ollama:slow\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        } else {
            kind = "ollama embeddings";
            path = "/v1/embeddings";
            body = "{\"model\":\"ollama:llama3.2\",\"input\":[\"a\",\"b\"]}";
        }
        long t0 = System.nanoTime();
        String outcome;
        try {
            HttpResponse<String> res = client.send(
                    HttpRequest.newBuilder(URI.create(base + path))
                            .timeout(Duration.ofSeconds(30))
                            .header("Authorization", "Bearer " + token)
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            int s = res.statusCode();
            boolean streamOk =
                    !kind.endsWith("stream") || s != 200 || res.body().endsWith("data: [DONE]\n\n");
            outcome = s == 429 ? "429" : s >= 500 ? "5xx" : s >= 400 ? "4xx" : streamOk ? "2xx" : "stream broken";
            if (s == 200 && !kind.endsWith("stream")) {
                latencies.add((System.nanoTime() - t0) / 1e6);
            }
        } catch (Exception e) {
            outcome = "error " + e.getClass().getSimpleName();
        }
        outcomes.computeIfAbsent(kind + ": " + outcome, k -> new LongAdder()).increment();
    }

    static Map<String, Long> processFigures(HttpClient client, String sidecar) throws Exception {
        String metrics = client.send(
                        HttpRequest.newBuilder(URI.create(sidecar + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Map<String, Long> out = new TreeMap<>();
        Matcher m = Pattern.compile(
                        "(?m)^(process_resident_memory_bytes|llmproxy_jvm_heap_used_bytes|llmproxy_jvm_threads) (\\d+)$")
                .matcher(metrics);
        while (m.find()) {
            out.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return out;
    }

    static double pct(double[] sorted, int p) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
