package dev.llmproxy.cli;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.config.Environment;
import dev.llmproxy.config.SecretFile;
import dev.llmproxy.config.StartupWarnings;
import java.io.IOException;
import java.util.Map;

/** The configuration every command reads: the environment over {@code .env}, the secret file resolved. */
final class ConfigSource {
    private ConfigSource() {}

    static Config load() throws IOException {
        return ConfigLoader.load(SecretFile.resolve(Environment.load()));
    }

    /**
     * The configuration, after saying on standard error what a valid one may still get wrong (see
     * {@link StartupWarnings}), from the same reading of the environment.
     */
    static Config loadAndWarn() throws IOException {
        Map<String, String> env = Environment.load();
        Config config = ConfigLoader.load(SecretFile.resolve(env));
        StartupWarnings.of(env, config).forEach(w -> System.err.println("warning: " + w));
        return config;
    }
}
