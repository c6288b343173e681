package dev.llmproxy.bench;

import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.nginx.NginxConfig;
import dev.llmproxy.testing.FakeOllama;
import dev.llmproxy.testing.FakeVllm;
import dev.llmproxy.testing.NginxProcess;
import dev.llmproxy.testing.Ports;
import dev.llmproxy.testing.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's benchmark: plain nginx proxying to the same upstream is the baseline, measured in the
 * same run. The systems under test (nginx, the sidecar, Redis) run on core 0; this process (upstream
 * fakes, stream clients) and wrk run on core 1. Loopback only; every phase is bounded in time.
 * Run with bench/run.sh.
 */
public final class Benchmark {
    static final String TOKEN = "sk-bench-0123456789";
    static final String SECRET = "bench-gateway-secret-0123456789abcdef";
    /** The body limit, nginx's and the sidecar's alike, with its buffer (plain nginx gets the same). */
    static final long MAX_BODY = 8L * 1024 * 1024;

    static final List<String> SUT_CORE = List.of("taskset", "-c", "0");
    static final List<String> LOAD_CORE = List.of("taskset", "-c", "1");
    static final String CHAT_JSON =
            "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1764496800,\"model\":\"llama3\","
                    + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello there, how can I help?\"},\"logprobs\":null,"
                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":7,\"total_tokens\":16}}";

    final int seconds;
    final int connections;
    final int streams;
    final int manyStreams;
    final int warmup;
    final List<AutoCloseable> running = new ArrayList<>();
    /** Only the large-prompt rows and the stall row. */
    static boolean promptsOnly;
    /** Skip the load rows: for profiling the streaming paths. */
    static boolean streamsOnly;
    /** Only plain nginx and the memory-store gateway, no streams: for trying a change to the nginx template. */
    static boolean gatewayOnly;
    /** The nginx template the gateway rows render ({@code -Dbench.template=PATH}), to measure a change to it. */
    static final Path TEMPLATE = Path.of(System.getProperty("bench.template", "nginx/nginx.conf.template"));

    Benchmark(int seconds, int connections, int streams, int manyStreams, int warmup) {
        this.warmup = warmup;
        this.seconds = seconds;
        this.connections = connections;
        this.streams = streams;
        this.manyStreams = manyStreams;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        streamsOnly = List.of(args).contains("--streams-only");
        gatewayOnly = List.of(args).contains("--gateway-only");
        promptsOnly = List.of(args).contains("--prompts-only");
        var b = quick ? new Benchmark(2, 32, 50, 200, 3) : new Benchmark(10, 32, 200, 1000, 20);
        try {
            b.run();
        } finally {
            for (int i = b.running.size() - 1; i >= 0; i--) {
                b.running.get(i).close();
            }
        }
        System.exit(0);
    }

    void run() throws Exception {
        System.out.printf(
                Locale.ROOT,
                "llm-proxy benchmark, %s, %d cores (%s). nginx, sidecar and Redis pinned to core 0; wrk,%n"
                        + "upstream fakes and stream clients pinned to core 1. %d s per load row after a %d s warm-up (JIT), %d connections.%n%n",
                LocalDate.now(),
                cores(),
                System.getProperty("os.arch"),
                seconds,
                warmup,
                connections);

        int upstream = fastUpstream();
        FakeVllm sse = new FakeVllm(null);
        sse.streamChunks = STREAM_CHUNKS;
        sse.streamDelayMillis = CHUNK_MILLIS; // 20 tokens/s per stream, a typical decoding speed
        running.add(sse::close);
        FakeOllama ollama = new FakeOllama();
        ollama.slowTokens = STREAM_CHUNKS;
        ollama.tokenDelayMillis = CHUNK_MILLIS;
        running.add(ollama::close);
        RedisServer redis = RedisServer.start(SUT_CORE);
        running.add(redis::close);
        // Redis usually runs on a host of its own; here, on the load generator's core.
        RedisServer redisElsewhere = RedisServer.start(LOAD_CORE);
        running.add(redisElsewhere::close);

        if (!streamsOnly && !promptsOnly) {
            loadRows(upstream, redis, redisElsewhere);
        }
        if (!gatewayOnly && !promptsOnly) {
            streamRows(upstream, sse, ollama);
        }
        if (!streamsOnly && !gatewayOnly) {
            promptRows(upstream);
            stallRows(sse);
        }
    }

    void loadRows(int upstream, RedisServer redis, RedisServer redisElsewhere) throws Exception {
        // Throughput: small non-streamed chat completions.
        List<Load.Result> rows = new ArrayList<>();
        Target plain = plainNginx(upstream);
        rows.add(Load.run(warmup, "plain nginx (baseline)", plain.url(), plain, seconds, connections, CHAT_BODY_PLAIN));
        if (gatewayOnly) {
            plain.close();
            Target memory = gateway(upstream, Map.of());
            rows.add(Load.run(warmup, "gateway, memory store", memory.url(), memory, seconds, connections, CHAT_BODY));
            memory.close();
            String split = replicaRow(rows, upstream);
            System.out.println(Load.table(rows, rows.get(0)));
            System.out.println(split);
            return;
        }
        Target direct = new Target("http://127.0.0.1:" + upstream, List::of, null);
        Load.Result seqDirect = Load.run(
                warmup, "sequential: direct to upstream", direct.url(), direct, seconds / 2 + 1, 1, CHAT_BODY_PLAIN);
        Load.Result seqPlain =
                Load.run(warmup, "sequential: plain nginx", plain.url(), plain, seconds / 2 + 1, 1, CHAT_BODY_PLAIN);
        plain.close();

        Target memory = gateway(upstream, Map.of());
        Load.Result memoryRow =
                Load.run(warmup, "gateway, memory store", memory.url(), memory, seconds, connections, CHAT_BODY);
        rows.add(memoryRow);
        Load.Result seqGateway =
                Load.run(warmup, "sequential: gateway", memory.url(), memory, seconds / 2 + 1, 1, CHAT_BODY);
        memory.close();
        String split = replicaRow(rows, upstream);

        Load.Result redisHere =
                redisRow(upstream, redis, "gateway, Redis store, Redis on core 0 (its CPU included)", true);
        Load.Result redisThere =
                redisRow(upstream, redisElsewhere, "gateway, Redis store, Redis on core 1 (beside wrk)", false);
        rows.add(redisHere);
        rows.add(redisThere);

        System.out.println("Non-streaming chat completions (vLLM path), " + connections + " connections:");
        System.out.println();
        System.out.println(Load.table(rows, rows.get(0)));
        System.out.printf(
                Locale.ROOT,
                "Redis store / memory store, requests/s: %.2f with Redis on core 0, %.2f with Redis on core 1.%n%n",
                redisHere.rps() / memoryRow.rps(),
                redisThere.rps() / memoryRow.rps());
        System.out.println(split);
        System.out.println("Sequential (one request at a time), added latency over going direct to the upstream:");
        System.out.println();
        System.out.println(Load.sequentialTable(seqDirect, List.of(seqPlain, seqGateway)));
    }

    /** The gateway with the Redis store; {@code counted}: Redis's CPU is part of the system under test. */
    Load.Result redisRow(int upstream, RedisServer redis, String name, boolean counted) throws Exception {
        Target withRedis = gateway(
                upstream,
                Map.of("RATE_LIMIT_STORE", "redis", "REDIS_URL", redis.url().toString()));
        Target measured = new Target(
                withRedis.url(),
                () -> {
                    List<Long> all = new ArrayList<>(withRedis.pids());
                    if (counted) {
                        all.add(redis.pid());
                    }
                    return all;
                },
                null);
        try {
            return Load.run(warmup, name, measured.url(), measured, seconds, connections, CHAT_BODY);
        } finally {
            withRedis.close();
        }
    }

    void streamRows(int upstream, FakeVllm sse, FakeOllama ollama) throws Exception {
        // Streaming: time to first byte and the largest gap between chunks.
        List<Streams.Result> streamRows = new ArrayList<>();
        // Each stream row is measured after an unmeasured pass of the same kind (JIT, connection pools).
        Target plainSse = plainNginx(sse.port());
        streamRows.add(Streams.run(
                "vLLM path: plain nginx",
                plainSse,
                "/v1/chat/completions",
                VLLM_STREAM_PLAIN,
                streams,
                null,
                warmup,
                seconds,
                STREAM_MILLIS));
        plainSse.close();
        Target gwSse = gateway(sse.port(), Map.of());
        streamRows.add(Streams.run(
                "vLLM path: gateway",
                gwSse,
                "/v1/chat/completions",
                VLLM_STREAM,
                streams,
                TOKEN,
                warmup,
                seconds,
                STREAM_MILLIS));
        gwSse.close();
        Target plainOllama = plainNginx(ollama.port());
        streamRows.add(Streams.run(
                "Ollama path: plain nginx (NDJSON)",
                plainOllama,
                "/api/chat",
                OLLAMA_NATIVE_STREAM,
                streams,
                null,
                warmup,
                seconds,
                STREAM_MILLIS));
        plainOllama.close();
        Target gwOllama = gateway(upstream, Map.of("OLLAMA_BASE_URL", "http://127.0.0.1:" + ollama.port()));
        streamRows.add(Streams.run(
                "Ollama path: gateway (translated)",
                gwOllama,
                "/v1/chat/completions",
                OLLAMA_STREAM,
                streams,
                TOKEN,
                warmup,
                seconds,
                STREAM_MILLIS));
        streamRows.add(Streams.run(
                "Ollama path: gateway, " + manyStreams + " streams",
                gwOllama,
                "/v1/chat/completions",
                OLLAMA_STREAM,
                manyStreams,
                TOKEN,
                warmup,
                seconds,
                STREAM_MILLIS));
        gwOllama.close();
        System.out.println("Streaming, " + STREAM_CHUNKS + " chunks " + CHUNK_MILLIS
                + " ms apart per stream; each row keeps its number of streams open for " + seconds
                + " s (a closed loop of clients, first starts spread over one stream's length), after a " + warmup
                + " s warm-up:");
        System.out.println();
        System.out.println(Streams.table(streamRows));
    }

    /**
     * Real prompts are large: RAG and agent calls carry 10-500 KB, a 100k-token context ~400 KB, images are
     * megabytes of base64. Each size, plain nginx beside the gateway; the model comes last, as the OpenAI Python
     * SDK writes it, so the gateway's rewrite of the vllm: prefix has the whole body to get past.
     */
    void promptRows(int upstream) throws Exception {
        int conns = 16;
        Target plain = plainNginx(upstream);
        Target gw = gateway(upstream, Map.of());
        List<Load.Result> rows = new ArrayList<>();
        record Prompt(String name, String body) {}
        List<Prompt> prompts = List.of(
                new Prompt("1 KB", prompt(1024)),
                new Prompt("64 KB", prompt(64 * 1024)),
                new Prompt("512 KB", prompt(512 * 1024)),
                new Prompt("4 MB", prompt(4_000_000)),
                new Prompt("image, 1.5 MB base64", image(1_500_000)));
        String only = System.getProperty("bench.prompts"); // e.g. -Dbench.prompts=1_KB,512_KB in BENCH_JAVA_OPTS
        for (Prompt p : prompts) {
            if (only != null && !List.of(only.split(",")).contains(p.name().replace(' ', '_'))) {
                continue;
            }
            rows.add(Load.run(
                    warmup,
                    p.name() + ": plain nginx",
                    plain.url(),
                    plain,
                    seconds,
                    conns,
                    p.body().replace("vllm:llama3", "llama3")));
            rows.add(Load.run(
                    warmup, p.name() + ": gateway (vllm: prefix rewritten)", gw.url(), gw, seconds, conns, p.body()));
            if (p.name().equals("512 KB")) {
                rows.add(Load.run(
                        warmup,
                        p.name() + ": gateway (no prefix: body untouched)",
                        gw.url(),
                        gw,
                        seconds,
                        conns,
                        p.body().replace("vllm:llama3", "llama3")));
            }
        }
        plain.close();
        gw.close();
        if (rows.isEmpty()) {
            return;
        }
        System.out.println("Large prompts (non-streamed chat completions, vLLM path, model last), " + conns
                + " connections; each × is the " + "gateway's figure over plain nginx's with the same prompt:");
        System.out.println();
        System.out.println(Load.promptTable(rows));
    }

    /** Streams through a system while 4 clients send it 2 MB prompts as fast as it takes them. */
    void stallRows(FakeVllm sse) throws Exception {
        String only = System.getProperty("bench.prompts"); // with -Dbench.prompts=stall, only this row
        if (only != null && !List.of(only.split(",")).contains("stall")) {
            return;
        }
        String big = prompt(2 * 1024 * 1024);
        sse.recording = false; // thousands of 2 MB bodies: nothing to keep
        List<Streams.Result> rows = new ArrayList<>();
        try {
            rows.add(underLargePrompts(
                    "vLLM path: plain nginx, under 2 MB prompts",
                    plainNginx(sse.port()),
                    big.replace("vllm:llama3", "llama3"),
                    VLLM_STREAM_PLAIN,
                    null));
            rows.add(underLargePrompts(
                    "vLLM path: gateway, under 2 MB prompts", gateway(sse.port(), Map.of()), big, VLLM_STREAM, TOKEN));
        } finally {
            sse.recording = true;
        }
        System.out.println("Streams while 4 other clients send 2 MB prompts (" + streams
                + " streams open; a stalled event loop shows in the tails):");
        System.out.println();
        System.out.println(Streams.stallTable(rows));
    }

    /** Streams through {@code system} while 4 clients send it {@code prompt}; the system is closed afterwards. */
    Streams.Result underLargePrompts(String name, Target system, String prompt, String streamBody, String token)
            throws Exception {
        Process load = Load.background(system.url(), 4, prompt);
        try {
            return Streams.run(
                    name, system, "/v1/chat/completions", streamBody, streams, token, warmup, seconds, STREAM_MILLIS);
        } finally {
            load.destroy();
            system.close();
        }
    }

    /** A chat request of about {@code bytes}: a system prompt and one long user message, escapes and non-ASCII included. */
    static String prompt(int bytes) {
        String line =
                "The retrieved passage says: \\\"Gateways should cost nothing.\\\" \u2014 r\u00e9sum\u00e9 of section 4, see the table below.\\n";
        StringBuilder text = new StringBuilder();
        while (text.length() < bytes) {
            text.append(line);
        }
        return "{\"messages\":[{\"role\":\"system\",\"content\":\"You answer from the context.\"},{\"role\":\"user\",\"content\":\""
                + text + "\"}],\"model\":\"vllm:llama3\",\"max_tokens\":16,\"temperature\":1.0}";
    }

    /** A chat request with one base64 image of about {@code bytes}. */
    static String image(int bytes) {
        byte[] raw = new byte[bytes * 3 / 4];
        new java.util.Random(42).nextBytes(raw);
        return "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is in this picture?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,"
                + java.util.Base64.getEncoder().encodeToString(raw)
                + "\"}}]}],\"model\":\"vllm:llama3\",\"max_tokens\":16}";
    }

    static final int STREAM_CHUNKS = 50;
    static final int CHUNK_MILLIS = 50;
    static final long STREAM_MILLIS = (long) STREAM_CHUNKS * CHUNK_MILLIS;
    static final String CHAT_BODY =
            "{\"model\":\"vllm:llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":16}";
    static final String CHAT_BODY_PLAIN = CHAT_BODY.replace("vllm:llama3", "llama3");
    static final String VLLM_STREAM =
            "{\"model\":\"vllm:llama3\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
    static final String VLLM_STREAM_PLAIN = VLLM_STREAM.replace("vllm:llama3", "llama3");
    static final String OLLAMA_STREAM =
            "{\"model\":\"ollama:slow\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
    static final String OLLAMA_NATIVE_STREAM =
            "{\"model\":\"slow\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

    /** A system under test: its URL, the processes whose CPU it costs (asked when measuring: nginx forks its workers after it listens), and how to stop it. */
    record Target(
            String url,
            java.util.function.Supplier<List<Long>> processes,
            AutoCloseable closer,
            String sidecarUrl,
            Path runDir)
            implements AutoCloseable {
        Target(String url, java.util.function.Supplier<List<Long>> processes, AutoCloseable closer) {
            this(url, processes, closer, null, null);
        }

        Target(String url, java.util.function.Supplier<List<Long>> processes, AutoCloseable closer, String sidecarUrl) {
            this(url, processes, closer, sidecarUrl, null);
        }

        List<Long> pids() {
            return processes.get();
        }

        @Override
        public void close() {
            if (closer != null) {
                try {
                    closer.close();
                } catch (Exception e) {
                    throw new IllegalStateException("could not stop " + url, e);
                }
            }
        }
    }

    /**
     * The gateway with one backend of two replicas (the fast upstream twice): nginx balances, so the row should
     * match the one-replica row; returns how the calls were split, from the gateway's access log.
     */
    String replicaRow(List<Load.Result> rows, int upstream) throws Exception {
        int second = fastUpstream();
        String urls = "\"http://127.0.0.1:" + upstream + "/v1\",\"http://127.0.0.1:" + second + "/v1\"";
        Target replicas = gateway(
                upstream,
                Map.of(
                        "BACKENDS_JSON",
                        "[{\"name\":\"vllm\",\"type\":\"openai\",\"urls\":[" + urls + "],\"models\":[\"llama3\"]}]"));
        rows.add(Load.run(
                warmup,
                "gateway, one backend of two replicas",
                replicas.url(),
                replicas,
                seconds,
                connections,
                CHAT_BODY));
        replicas.close();
        long first = 0;
        long other = 0;
        // $upstream_addr of a handed-over call: "sidecar : replica", the replica last.
        try (var lines = Files.lines(replicas.runDir().resolve("logs/access.log"))) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.contains(":" + upstream + "\",")) {
                    first++;
                } else if (line.contains(":" + second + "\",")) {
                    other++;
                }
            }
        }
        return String.format(
                Locale.ROOT,
                "Two replicas: %d calls to the first, %d to the second (%.1f%% / %.1f%%).%n",
                first,
                other,
                100.0 * first / Math.max(1, first + other),
                100.0 * other / Math.max(1, first + other));
    }

    /** nginx answering chat completions itself, as fast as an upstream can be. On the load core. */
    int fastUpstream() throws Exception {
        int port = Ports.free();
        Path dir = NginxProcess.prepareRunDir();
        String conf = """
                pid %1$s/nginx.pid; error_log %1$s/logs/error.log; worker_processes 1;
                events { worker_connections 4096; }
                http {
                  access_log off; client_body_temp_path %1$s/cbt; proxy_temp_path %1$s/pt;
                  fastcgi_temp_path %1$s/ft; uwsgi_temp_path %1$s/ut; scgi_temp_path %1$s/st;
                  client_max_body_size 0;   # large prompts: read and discarded
                  server { listen 127.0.0.1:%2$d; keepalive_requests 1000000;
                    location / { default_type application/json; return 200 '%3$s'; } }
                }
                """.formatted(dir, port, CHAT_JSON);
        Files.writeString(dir.resolve("nginx.conf"), conf);
        NginxProcess p = NginxProcess.start(dir, dir.resolve("nginx.conf"), port, LOAD_CORE);
        running.add(p);
        return port;
    }

    /** The baseline: a plain nginx reverse proxy, keepalive and unbuffered like the gateway's. */
    Target plainNginx(int upstreamPort) throws Exception {
        int port = Ports.free();
        Path dir = NginxProcess.prepareRunDir();
        String conf = """
                pid %1$s/nginx.pid; error_log %1$s/logs/error.log; worker_processes auto;
                events { worker_connections 4096; }
                http {
                  access_log %1$s/logs/access.log; client_body_temp_path %1$s/cbt; proxy_temp_path %1$s/pt;
                  fastcgi_temp_path %1$s/ft; uwsgi_temp_path %1$s/ut; scgi_temp_path %1$s/st;
                  client_max_body_size %4$d; client_body_buffer_size %4$d;
                  upstream up { server 127.0.0.1:%3$d; keepalive 32; }
                  server { listen 127.0.0.1:%2$d; keepalive_requests 1000000;
                    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection "";
                                 proxy_buffering off; proxy_read_timeout 600s; } }
                }
                """.formatted(dir, port, upstreamPort, MAX_BODY);
        Files.writeString(dir.resolve("nginx.conf"), conf);
        NginxProcess p = NginxProcess.start(dir, dir.resolve("nginx.conf"), port, SUT_CORE);
        return new Target("http://127.0.0.1:" + port, p::pids, p);
    }

    /** nginx + sidecar, as deployed, with the repository's template; the sidecar is the built jar. */
    Target gateway(int vllmPort, Map<String, String> extra) throws Exception {
        int port = Ports.free();
        int sidecarPort = Ports.free();
        Map<String, String> env = new HashMap<>();
        env.put(
                "TOKENS_JSON",
                "[{\"token\":\"" + TOKEN + "\",\"label\":\"bench\",\"rpm\":1000000,\"rpd\":1000000000}]");
        if (!extra.containsKey("BACKENDS_JSON")) {
            env.put("VLLM_BASE_URL", "http://127.0.0.1:" + vllmPort + "/v1");
        }
        env.put("GATEWAY_SECRET", SECRET);
        env.put("SIDECAR_PORT", Integer.toString(sidecarPort));
        env.put("NGINX_LISTEN", "127.0.0.1:" + port);
        env.put("MAX_BODY_BYTES", Long.toString(MAX_BODY));
        env.putAll(extra);
        Path dir = NginxProcess.prepareRunDir();
        Files.writeString(
                dir.resolve("nginx.conf"),
                NginxConfig.render(Files.readString(TEMPLATE), ConfigLoader.load(env), NginxConfig.Layout.local(dir)));

        List<String> command = new ArrayList<>(SUT_CORE);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String jfrDir = System.getProperty("bench.jfr"); // profile the sidecar: -Dbench.jfr=DIR
        if (jfrDir != null) {
            command.add("-XX:StartFlightRecording=dumponexit=true,settings=profile,filename="
                    + Path.of(jfrDir, "sidecar-" + sidecarPort + ".jfr"));
        }
        String opts = System.getProperty("bench.sidecarOpts"); // e.g. -Dbench.sidecarOpts="-Xmx1g"
        if (opts != null && !opts.isBlank()) {
            command.addAll(List.of(opts.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", "target/llm-proxy.jar", "serve"));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("logs/sidecar.log").toFile());
        pb.environment().putAll(env);
        Process sidecar = pb.start();
        if (!Ports.awaitOpen(sidecarPort, sidecar, 30)) {
            throw new IllegalStateException(
                    "sidecar did not start: " + Files.readString(dir.resolve("logs/sidecar.log")));
        }
        NginxProcess nginx = NginxProcess.start(dir, dir.resolve("nginx.conf"), port, SUT_CORE);
        java.util.function.Supplier<List<Long>> pids = () -> {
            List<Long> all = new ArrayList<>(nginx.pids());
            all.add(sidecar.pid());
            return all;
        };
        return new Target(
                "http://127.0.0.1:" + port,
                pids,
                () -> {
                    nginx.close();
                    sidecar.destroy();
                    sidecar.waitFor(10, TimeUnit.SECONDS);
                },
                "http://127.0.0.1:" + sidecarPort,
                dir);
    }

    /** The machine's cores (this process itself is pinned to one). */
    static long cores() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("processor"))
                .count();
    }

    static void check(boolean ok, String message) throws IOException {
        if (!ok) {
            throw new IOException(message);
        }
    }
}
