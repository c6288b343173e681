package dev.llmproxy;

import dev.llmproxy.cli.CheckConfig;
import dev.llmproxy.cli.FileProblem;
import dev.llmproxy.cli.MintToken;
import dev.llmproxy.cli.RenderNginx;
import dev.llmproxy.cli.Serve;
import dev.llmproxy.cli.Usage;
import dev.llmproxy.cli.UsageReportCommand;
import dev.llmproxy.config.ConfigException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/** Entry point: the first argument names the command ({@code serve} when there is none); see {@link Usage}. */
public final class Main {
    private static final int EX_USAGE = 64;
    private static final int EX_CONFIG = 78;
    private static final int EX_SOFTWARE = 70;

    public static void main(String[] args) {
        String command = args.length == 0 ? "serve" : args[0].replaceFirst("^--", "");
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        if (Usage.asked(List.of(rest)) && Usage.of(command).isPresent()) {
            exit(Usage.of(command).get(), 0);
        }
        try {
            switch (command) {
                case "serve" -> Serve.run(rest);
                case "check-config" -> CheckConfig.run(rest);
                case "render-nginx" -> RenderNginx.run(rest);
                case "mint-token" -> MintToken.run(rest);
                case "usage-report" -> UsageReportCommand.run(rest);
                case "help", "h" -> exit(Usage.TEXT, 0);
                default -> exit(Usage.TEXT, EX_USAGE);
            }
        } catch (ConfigException e) {
            exit(e.getMessage(), EX_CONFIG);
        } catch (IllegalArgumentException e) {
            exit(e.getMessage(), EX_USAGE);
        } catch (IOException e) {
            exit(command + ": " + FileProblem.describe(e), EX_USAGE);
        } catch (RuntimeException e) { // a bug or the machine: one line, never a stack trace
            exit(
                    "llm-proxy " + command + " failed: "
                            + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
                    EX_SOFTWARE);
        }
    }

    private static void exit(String message, int status) {
        (status == 0 ? System.out : System.err).println(message);
        System.exit(status);
    }
}
