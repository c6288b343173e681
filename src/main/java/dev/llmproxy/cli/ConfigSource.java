package dev.llmproxy.cli;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.config.Environment;
import dev.llmproxy.config.SecretFile;
import dev.llmproxy.config.StartupWarnings;
import java.io.IOException;

/** The configuration every command reads: the environment over {@code .env}, the secret file resolved. */
final class ConfigSource {
    private ConfigSource() {}

    static Config load() throws IOException {
        return ConfigLoader.load(SecretFile.resolve(Environment.load()));
    }

    /** Says on standard error what a valid configuration may still get wrong (see {@link StartupWarnings}). */
    static void warn(Config config) {
        StartupWarnings.of(Environment.load(), config).forEach(w -> System.err.println("warning: " + w));
    }
}
