package dev.llmproxy.backends;

import java.util.regex.Pattern;

/**
 * A client's {@code model} resolved: the backend that serves it and the name that backend knows it by
 * ({@code "ollama:llama3:8b"} is the {@code ollama} backend's {@code llama3:8b}; an alias is its target).
 */
public record ModelRef(String requested, BackendSpec backend, String name, String alias) {
    /** Without an alias. */
    public ModelRef(String requested, BackendSpec backend, String name) {
        this(requested, backend, name, null);
    }

    /** Printable ASCII without space, quote or backslash: safe in a header and inside a JSON string. */
    private static final Pattern VALID = Pattern.compile("[!#-\\[\\]-~]{1,256}");

    public static boolean isValid(String model) {
        return model != null && VALID.matcher(model).matches();
    }

    /** The forms an allowlist may name this model by: as written, {@code backend:name}, and an alias either way. */
    public java.util.List<String> allowlistForms() {
        return alias == null
                ? java.util.List.of(requested, canonical())
                : java.util.List.of(requested, canonical(), alias, backend.name() + ":" + alias);
    }

    /** {@code backend:name}, the form that allowlist patterns such as {@code "ollama:*"} are written in. */
    public String canonical() {
        return backend.name() + ":" + name;
    }

    /** Whether the backend gets another name than the client wrote (a prefix stripped, an alias). */
    public boolean renamed() {
        return !name.equals(requested);
    }
}
