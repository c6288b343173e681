package dev.llmproxy.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/** A real redis-server on a free loopback port, with no persistence, that tests can kill and restart. */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final java.util.List<String> prefix;
    private Process process;

    private RedisServer(int port, Path dir, java.util.List<String> prefix) {
        this.port = port;
        this.dir = dir;
        this.prefix = prefix;
    }

    public static RedisServer start() throws IOException, InterruptedException {
        return start(java.util.List.of());
    }

    /** @param prefix a command to run redis-server under, e.g. {@code taskset -c 0} for benchmarks */
    public static RedisServer start(java.util.List<String> prefix) throws IOException, InterruptedException {
        RedisServer r = new RedisServer(Ports.free(), Files.createTempDirectory("llm-proxy-redis-"), prefix);
        r.restart();
        return r;
    }

    public long pid() {
        return process.pid();
    }

    public void restart() throws IOException, InterruptedException {
        var command = new java.util.ArrayList<>(prefix);
        command.addAll(java.util.List.of(
                binary(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString(),
                "--daemonize",
                "no"));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        if (!Ports.awaitOpen(port, process, 10)) {
            throw new IllegalStateException(
                    "redis-server did not start: " + Files.readString(dir.resolve("redis.log")));
        }
    }

    /** Kills the server outright, as a crash would. */
    public void kill() {
        try {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public URI url() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    public Jedis client() {
        return new Jedis("127.0.0.1", port);
    }

    /** Calls per command, from INFO commandstats: how many round trips Redis itself saw. */
    public Map<String, Long> commandCalls() {
        Map<String, Long> calls = new TreeMap<>();
        try (Jedis j = client()) {
            for (String line : j.info("commandstats").split("\r?\n")) {
                if (line.startsWith("cmdstat_")) {
                    String name = line.substring(8, line.indexOf(':'));
                    String stats = line.substring(line.indexOf(':') + 1);
                    calls.put(name, Long.parseLong(stats.replaceAll("^calls=(\\d+),.*", "$1")));
                }
            }
        }
        return calls;
    }

    public static String binary() {
        String configured = System.getenv("REDIS_SERVER_BIN");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        return Files.isExecutable(Path.of("/usr/bin/redis-server")) ? "/usr/bin/redis-server" : "redis-server";
    }

    @Override
    public void close() {
        if (process != null) {
            kill();
        }
    }
}
