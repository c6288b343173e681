package dev.llmproxy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real DNS server (dnsmasq, Debian's {@code dnsmasq-base}) on a free loopback port, authoritative for
 * {@code .test}: it knows only the names a test adds, and answers NXDOMAIN for the others, as a network's DNS does
 * for a service that does not exist yet.
 */
public final class DnsServer implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final Process process;

    private DnsServer(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    public static DnsServer start() throws IOException, InterruptedException {
        int port = Ports.free();
        Path dir = Files.createTempDirectory("llm-proxy-dns-");
        Files.writeString(dir.resolve("hosts"), "");
        Process p = new ProcessBuilder(
                        binary(),
                        "--keep-in-foreground",
                        "--conf-file=/dev/null",
                        "--port=" + port,
                        "--listen-address=127.0.0.1",
                        "--bind-interfaces",
                        "--no-resolv", // asks no other server
                        "--no-hosts", // nor this machine's /etc/hosts
                        "--no-negcache",
                        "--local=/test/",
                        "--addn-hosts=" + dir.resolve("hosts"),
                        "--user=" + System.getProperty("user.name"), // reads the hosts file again on SIGHUP
                        "--pid-file=" + dir.resolve("dnsmasq.pid"),
                        "--log-queries",
                        "--log-facility=" + dir.resolve("dnsmasq.log"))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .start();
        DnsServer dns = new DnsServer(port, dir, p);
        if (!Ports.awaitOpen(port, p, 10)) { // it answers over TCP on the same port
            dns.close();
            throw new IllegalStateException("dnsmasq did not start: " + dns.log());
        }
        return dns;
    }

    static String binary() {
        for (String candidate : List.of("/usr/sbin/dnsmasq", "/usr/local/sbin/dnsmasq")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return "dnsmasq";
    }

    /** {@code 127.0.0.1:port}, as nginx's {@code resolver} takes it. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** From now on {@code name} resolves to {@code address} (and no longer to any other). */
    public void set(String name, String address) throws IOException, InterruptedException {
        Path hosts = dir.resolve("hosts");
        StringBuilder kept = new StringBuilder();
        for (String line : Files.readAllLines(hosts)) {
            if (!line.endsWith(" " + name)) {
                kept.append(line).append('\n');
            }
        }
        Files.writeString(hosts, kept + address + " " + name + "\n");
        Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
        if (hup.waitFor() != 0) {
            throw new IllegalStateException("could not signal dnsmasq");
        }
    }

    public String log() {
        try {
            StringBuilder out = new StringBuilder();
            for (String name : List.of("stdout.log", "dnsmasq.log")) {
                Path f = dir.resolve(name);
                if (Files.exists(f)) {
                    out.append(Files.readString(f));
                }
            }
            return out.toString();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
