package dev.llmproxy.routing;

import java.util.Locale;
import java.util.Optional;

/** The model servers the gateway can route to. */
public enum Backend {
    VLLM,
    OLLAMA;

    /** The lower-case name used in model prefixes, headers and configuration. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Backend> fromWireName(String value) {
        for (Backend b : values()) {
            if (b.wireName().equals(value)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }
}
