package dev.llmproxy;

import dev.llmproxy.auth.TokenMinter;
import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigException;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.config.Environment;
import dev.llmproxy.config.SecretFile;
import dev.llmproxy.http.App;
import dev.llmproxy.nginx.NginxConfig;
import dev.llmproxy.ratelimit.RateLimiters;
import dev.llmproxy.usage.UsageReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Entry point: {@code serve} (the default), {@code check-config}, {@code render-nginx}, {@code mint-token}. */
public final class Main {
    private static final String USAGE = """
            usage: java -jar llm-proxy.jar [command]
              serve [render-nginx options]
                                         run the sidecar (default); with --out-dir, render nginx's config first
              check-config               validate the configuration and exit (also: --check-config)
              render-nginx [--out FILE | --out-dir DIR] [--run-dir DIR] [--template FILE]
                           [--access-log PATH] [--error-log PATH] [--sidecar-addr HOST:PORT]
                                         write the nginx config for this configuration
              mint-token --label NAME [--rpm N] [--rpd N]
                                         print a new random token and its TOKENS_JSON entry
              usage-report [--format table|json|csv] [--by-day] ACCESS_LOG...
                                         requests, errors, 429s, latency and tokens per token label and model
            configuration: environment variables, or a .env file in the working directory""";

    public static void main(String[] args) {
        String command = args.length == 0 ? "serve" : args[0].replaceFirst("^--", "");
        Map<String, String> options = command.equals("usage-report") ? Map.of()
                : options(Arrays.copyOfRange(args, Math.min(1, args.length), args.length));
        try {
            switch (command) {
                case "serve" -> {
                    Config config = loadConfig();
                    if (options.containsKey("out-dir")) {
                        renderNginx(config, options); // containers: the config nginx will load, from this very config
                    }
                    serve(config);
                }
                case "check-config" -> System.out.println(summary(loadConfig()));
                case "render-nginx" -> renderNginx(loadConfig(), options);
                case "mint-token" -> mintToken(options);
                case "usage-report" -> usageReport(args);
                default -> exit(USAGE, command.equals("help") || command.equals("h") ? 0 : 64);
            }
        } catch (ConfigException e) {
            exit(e.getMessage(), 78); // EX_CONFIG
        } catch (IllegalArgumentException | IOException e) {
            exit(e.getMessage(), 64);
        }
    }

    private static Config loadConfig() throws IOException {
        return ConfigLoader.load(SecretFile.resolve(Environment.load()));
    }

    private static void serve(Config config) {
        App.create(config, RateLimiters.create(config.store(), config.redisUrl(), config.redis())).start();
    }

    private static String summary(Config c) {
        return "configuration OK: " + c.tokens().all().size() + " token(s), default backend " + c.defaultBackend().wireName()
                + ", vLLM " + c.vllm().resolve("/v1") + ", Ollama " + c.ollama().resolve("") + ", store "
                + c.store().name().toLowerCase() + ", sidecar " + c.sidecarHost() + ":" + c.sidecarPort()
                + (c.gatewaySecret().isPresent() ? ", nginx secret set" : ", no nginx secret (direct clients only)")
                + ", nginx on " + c.nginx().listen() + (c.nginx().tls().isPresent() ? " (TLS)" : "");
    }

    /** {@code --out FILE}, or {@code --out-dir DIR} for DIR/nginx.conf (containers), or standard output. */
    private static void renderNginx(Config config, Map<String, String> o) throws IOException {
        String template = o.containsKey("template") ? Files.readString(Path.of(o.get("template")))
                : NginxConfig.resource(NginxConfig.TEMPLATE_RESOURCE);
        Path outDir = o.containsKey("out-dir") ? Path.of(o.get("out-dir")) : null;
        var defaults = NginxConfig.Layout.local(Path.of(o.getOrDefault("run-dir", "run")));
        var layout = new NginxConfig.Layout(defaults.runDir(),
                o.getOrDefault("access-log", defaults.accessLog()), o.getOrDefault("error-log", defaults.errorLog()),
                o.get("sidecar-addr"));
        String rendered = NginxConfig.render(template, config, layout);
        if (outDir != null) {
            Files.createDirectories(outDir);
            Files.writeString(outDir.resolve("nginx.conf"), rendered);
        } else if (o.containsKey("out")) {
            Files.writeString(Path.of(o.get("out")), rendered);
        } else {
            System.out.print(rendered);
        }
    }

    /** {@code usage-report [--format table|json|csv] [--by-day] ACCESS_LOG...} (a log named "-" is standard input). */
    private static void usageReport(String[] args) throws IOException {
        String format = "table";
        boolean byDay = false;
        List<String> files = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--format" -> format = i + 1 < args.length ? args[++i] : "";
                case "--by-day" -> byDay = true;
                default -> files.add(args[i]);
            }
        }
        if (files.isEmpty() || !List.of("table", "json", "csv").contains(format)) {
            throw new IllegalArgumentException("usage-report [--format table|json|csv] [--by-day] ACCESS_LOG...");
        }
        UsageReport report = new UsageReport(byDay);
        for (String f : files) {
            try (var lines = f.equals("-") ? new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8)).lines()
                    : Files.lines(Path.of(f))) {
                lines.forEach(report::add);
            }
        }
        System.out.print(switch (format) {
            case "json" -> report.json();
            case "csv" -> report.csv();
            default -> report.table();
        });
        if (report.skipped() > 0) {
            System.err.println(report.skipped() + " line(s) were not gateway access-log records and were skipped");
        }
    }

    private static void mintToken(Map<String, String> o) {
        String label = o.get("label");
        if (label == null) {
            throw new IllegalArgumentException("mint-token needs --label NAME");
        }
        Long rpm = o.containsKey("rpm") ? Long.valueOf(o.get("rpm")) : null;
        Long rpd = o.containsKey("rpd") ? Long.valueOf(o.get("rpd")) : null;
        String token = new TokenMinter().mint();
        System.out.println("token (give it to the client; it is not stored anywhere): " + token);
        System.out.println("TOKENS_JSON entry: " + TokenMinter.entryJson(token, label, rpm, rpd));
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("unexpected argument: " + args[i] + "\n" + USAGE);
            }
            o.put(args[i].substring(2), args[++i]);
        }
        return o;
    }

    private static void exit(String message, int status) {
        (status == 0 ? System.out : System.err).println(message);
        System.exit(status);
    }
}
