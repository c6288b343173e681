package dev.llmproxy.backends;

import java.util.Locale;
import java.util.Optional;

/** How the gateway talks to a backend. */
public enum BackendType {
    /** vLLM and any OpenAI-compatible server (llama.cpp's server, SGLang, TGI, a remote provider): nginx proxies to it. */
    OPENAI,
    /** Ollama's native API: the sidecar translates OpenAI calls to it and back. */
    OLLAMA,
    /** Served by the sidecar itself, with no model anywhere: for trying the gateway and for apps' tests. */
    ECHO;

    /** The lower-case name used in the configuration. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<BackendType> fromWireName(String value) {
        for (BackendType t : values()) {
            if (t.wireName().equals(value)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
