package dev.llmproxy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real nginx running a rendered config in its own directory. */
public final class NginxProcess implements AutoCloseable {
    private final Process process;
    private final Path runDir;

    private NginxProcess(Process process, Path runDir) {
        this.process = process;
        this.runDir = runDir;
    }

    /** Creates the run directory layout the template expects: logs/ (nginx makes its temp directories). */
    public static Path prepareRunDir() throws IOException {
        Path dir = Files.createTempDirectory("llm-proxy-nginx-");
        Files.createDirectories(dir.resolve("logs"));
        // nginx started as root runs its workers as nobody: they must reach the temp directories.
        for (Path p : List.of(dir, dir.resolve("logs"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        return dir;
    }

    public static NginxProcess start(Path runDir, Path conf, int port) throws IOException, InterruptedException {
        return start(runDir, conf, port, List.of());
    }

    /** @param prefix a command to run nginx under, e.g. {@code taskset -c 0} for benchmarks */
    public static NginxProcess start(Path runDir, Path conf, int port, List<String> prefix)
            throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(prefix);
        command.add(binary());
        return start(command, runDir, conf, port);
    }

    /** @param nginx the nginx to run, e.g. {@link #resolvingBinary()} */
    public static NginxProcess start(String nginx, Path runDir, Path conf, int port)
            throws IOException, InterruptedException {
        return start(List.of(nginx), runDir, conf, port);
    }

    private static NginxProcess start(List<String> binary, Path runDir, Path conf, int port)
            throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(binary);
        command.addAll(List.of("-p", runDir.toString(), "-c", conf.toString(), "-g", "daemon off;"));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(runDir.resolve("logs/stdout.log").toFile())
                .start();
        NginxProcess nginx = new NginxProcess(p, runDir);
        if (!Ports.awaitOpen(port, p, 10)) {
            nginx.close();
            throw new IllegalStateException(
                    "nginx did not start:\n" + nginx.log("stdout.log") + nginx.log("error.log"));
        }
        return nginx;
    }

    public static String binary() {
        String configured = System.getenv("NGINX_BIN");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String candidate : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return "nginx";
    }

    /**
     * An nginx that resolves upstream names while it runs ({@code server ... resolve}: 1.27.3 or newer, as in the
     * official image): {@code NGINX_RESOLVE_BIN}, else what {@code scripts/fetch-nginx.sh} finds or fetches.
     */
    public static synchronized String resolvingBinary() throws IOException, InterruptedException {
        String configured = System.getenv("NGINX_RESOLVE_BIN");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        if (resolving == null) {
            Process p = new ProcessBuilder("scripts/fetch-nginx.sh")
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() != 0 || out.isEmpty()) {
                throw new IllegalStateException(
                        "no nginx >= 1.27.3: scripts/fetch-nginx.sh failed (see above); or set NGINX_RESOLVE_BIN");
            }
            resolving = out;
        }
        return resolving;
    }

    private static String resolving;

    public String log(String name) {
        try {
            Path f = runDir.resolve("logs").resolve(name);
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (IOException e) {
            return "";
        }
    }

    public Path runDir() {
        return runDir;
    }

    /** The master and its workers: what a benchmark charges CPU time to. */
    public List<Long> pids() {
        List<Long> pids = new java.util.ArrayList<>();
        pids.add(process.pid());
        process.children().forEach(c -> pids.add(c.pid()));
        return pids;
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: fast shutdown
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Checks a config as {@code nginx -t} does, failing the test with nginx's words when it is refused. */
    public static void assertValid(Path runDir, Path conf) throws IOException, InterruptedException {
        assertValid(binary(), runDir, conf);
    }

    /** @param nginx the nginx to check with */
    public static void assertValid(String nginx, Path runDir, Path conf) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(nginx, "-t", "-p", runDir.toString(), "-c", conf.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0 || !out.contains("test is successful")) {
            throw new AssertionError("nginx -t refused " + conf + ":\n" + out);
        }
    }
}
