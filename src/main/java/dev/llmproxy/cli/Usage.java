package dev.llmproxy.cli;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** {@code help}: what every command takes; {@code COMMAND --help}: what that one takes. */
public final class Usage {
    private record Command(String name, String synopsis, String does) {
        /** The synopsis, and what the command does beside it when it fits there, else below it. */
        String lines() {
            String first = "  " + name + (synopsis.isEmpty() ? "" : " " + synopsis);
            return first.length() < 29 && !first.contains("\n")
                    ? first + " ".repeat(29 - first.length()) + does
                    : first + "\n" + " ".repeat(29) + does;
        }
    }

    private static final List<Command> COMMANDS = List.of(
            new Command(
                    "serve",
                    "[render-nginx options]",
                    "run the sidecar (default); with --out-dir, render nginx's config first"),
            new Command("check-config", "", "validate the configuration and exit (also: --check-config)"),
            new Command(
                    "render-nginx",
                    "[--out FILE | --out-dir DIR] [--run-dir DIR] [--template FILE]\n"
                            + "               [--access-log PATH] [--error-log PATH] [--sidecar-addr HOST:PORT]",
                    "write the nginx config for this configuration"),
            new Command(
                    "mint-token",
                    "--label NAME [--rpm N] [--rpd N] [--models A,B]",
                    "print a new random token and its TOKENS_JSON entry"),
            new Command(
                    "usage-report",
                    "[--format table|json|csv] [--by-day] ACCESS_LOG...",
                    "requests, errors, 429s, latency and tokens per token label and model"));

    private static final String CONFIGURATION =
            "configuration: environment variables, or a .env file in the working directory";

    public static final String TEXT = "usage: java -jar llm-proxy.jar [command]\n"
            + COMMANDS.stream().map(Command::lines).collect(Collectors.joining("\n"))
            + "\n" + CONFIGURATION;

    private Usage() {}

    /** What {@code command} takes, when it is one. */
    public static Optional<String> of(String command) {
        return COMMANDS.stream()
                .filter(c -> c.name().equals(command))
                .findFirst()
                .map(c -> "usage: java -jar llm-proxy.jar\n" + c.lines() + "\n" + CONFIGURATION);
    }

    /** Whether the arguments ask for the command's usage. */
    public static boolean asked(List<String> args) {
        return args.contains("--help") || args.contains("-h");
    }
}
