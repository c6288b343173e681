package dev.llmproxy.cli;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigException;
import dev.llmproxy.nginx.NginxConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code render-nginx}: writes nginx's config for this configuration ({@code serve --out-dir} does it too). */
public final class RenderNginx {
    static final Set<String> FLAGS =
            Set.of("out", "out-dir", "run-dir", "template", "access-log", "error-log", "sidecar-addr");

    private RenderNginx() {}

    public static void run(String[] args) throws IOException {
        Options options = Options.parse(args, FLAGS);
        write(ConfigSource.load(), options);
    }

    /** To {@code --out FILE}, or {@code --out-dir DIR} for DIR/nginx.conf (containers), or standard output. */
    static void write(Config config, Options o) throws IOException {
        String template =
                o.has("template") ? template(o.get("template")) : NginxConfig.resource(NginxConfig.TEMPLATE_RESOURCE);
        NginxConfig.Layout layout = layout(config, o);
        String rendered = NginxConfig.render(template, config, layout);
        if (o.has("out-dir")) {
            Path outDir = Path.of(o.get("out-dir"));
            Files.createDirectories(outDir);
            writeConfig(outDir.resolve("nginx.conf"), rendered);
            makeDirectories(layout);
        } else if (o.has("out")) {
            writeConfig(Path.of(o.get("out")), rendered);
            makeDirectories(layout);
        } else {
            System.out.print(rendered); // only shown: nothing made on this machine
        }
    }

    /**
     * The config holds the secret nginx proves itself to the sidecar with, and backends' keys: 0600, this user's
     * only. nginx's master reads it as root under compose (root reads any file), and as this user with ./gateway run
     * and by hand. In a directory that gives its files its group (setgid: Kubernetes' fsGroup volume, where the init
     * container writes as uid 10001 and nginx reads as uid 101 of that group, deploy/k8s/nginx.yaml), 0640: that
     * group is the one meant to read it.
     */
    private static final Set<PosixFilePermission> CONFIG_MODE = PosixFilePermissions.fromString("rw-------");

    private static final Set<PosixFilePermission> SHARED_GROUP_MODE = PosixFilePermissions.fromString("rw-r-----");

    private static final int SETGID = 02000;

    private static Set<PosixFilePermission> modeIn(Path dir) {
        try {
            return (((Integer) Files.getAttribute(dir, "unix:mode")) & SETGID) != 0 ? SHARED_GROUP_MODE : CONFIG_MODE;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return CONFIG_MODE;
        }
    }

    private static void writeConfig(Path file, String text) throws IOException {
        if (!Files.exists(file)) { // made private at once: the secret is never readable by others, even briefly
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        if (Files.isRegularFile(file)) { // not /dev/stdout; and a config rendered before may be 0644
            Files.setPosixFilePermissions(file, modeIn(file.toAbsolutePath().getParent()));
        }
        Files.writeString(file, text);
    }

    /**
     * The run directory and the logs' directories: nginx makes neither, and stops when it cannot open its pid file or
     * a log. A log that is not a path of its own is left alone: /dev/stdout (its directory exists), stderr, syslog:,
     * or a relative path, which nginx reads relative to its prefix (-p), unknown here. One that cannot be made here
     * is a warning, not an error: in a container, nginx may run where it exists (an image's /var/log/nginx).
     */
    private static void makeDirectories(NginxConfig.Layout layout) {
        List<Path> dirs = new ArrayList<>();
        dirs.add(layout.runDir().toAbsolutePath().normalize());
        for (String log : List.of(layout.accessLog(), layout.errorLog())) {
            Path parent = Path.of(log).getParent();
            if (log.startsWith("/") && parent != null) {
                dirs.add(parent);
            }
        }
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                try {
                    Files.createDirectories(dir);
                } catch (IOException e) {
                    System.err.println("warning: render-nginx: cannot make " + dir + " (" + FileProblem.reason(e)
                            + "); nginx needs it where it runs");
                }
            }
        }
    }

    private static String template(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            throw FileProblem.cannot("render-nginx", "read", file, e);
        }
    }

    private static NginxConfig.Layout layout(Config config, Options o) {
        if (config.sidecarPort() == 0 && !o.has("sidecar-addr")) {
            // The port is only known once the sidecar has started: nginx cannot be told it in advance.
            throw new ConfigException(List.of("SIDECAR_PORT: 0 (any free port) cannot be written into nginx's config;"
                    + " set a fixed port, or give --sidecar-addr HOST:PORT"));
        }
        var defaults = NginxConfig.Layout.local(Path.of(o.get("run-dir", "run")));
        return new NginxConfig.Layout(
                defaults.runDir(),
                o.get("access-log", defaults.accessLog()),
                o.get("error-log", defaults.errorLog()),
                o.get("sidecar-addr"));
    }
}
