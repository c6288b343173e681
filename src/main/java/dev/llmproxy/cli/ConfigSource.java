package dev.llmproxy.cli;

import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.config.Environment;
import dev.llmproxy.config.SecretFile;
import java.io.IOException;

/** The configuration every command reads: the environment over {@code .env}, the secret file resolved. */
final class ConfigSource {
    private ConfigSource() {}

    static Config load() throws IOException {
        return ConfigLoader.load(SecretFile.resolve(Environment.load()));
    }
}
