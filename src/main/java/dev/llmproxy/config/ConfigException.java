package dev.llmproxy.config;

import java.util.List;

/** Invalid configuration: carries every problem found, so one start-up attempt shows them all. */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super("invalid configuration:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
