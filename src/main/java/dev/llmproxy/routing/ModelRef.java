package dev.llmproxy.routing;

import java.util.regex.Pattern;

/**
 * A client's {@code model} value split into the backend it selects and the name that backend knows.
 * {@code "ollama:llama3:8b"} is Ollama's {@code llama3:8b}; a value without a known prefix goes to the
 * default backend unchanged.
 */
public record ModelRef(String requested, Backend backend, String name) {

    /** Printable ASCII without space, quote or backslash: safe in a header and inside a JSON string. */
    private static final Pattern VALID = Pattern.compile("[!#-\\[\\]-~]{1,256}");

    public static boolean isValid(String model) {
        return model != null && VALID.matcher(model).matches();
    }

    public static ModelRef parse(String model, Backend defaultBackend) {
        int colon = model.indexOf(':');
        if (colon > 0) {
            var prefixed = Backend.fromWireName(model.substring(0, colon));
            if (prefixed.isPresent()) {
                return new ModelRef(model, prefixed.get(), model.substring(colon + 1));
            }
        }
        return new ModelRef(model, defaultBackend, model);
    }

    /** {@code backend:name}, the form that allowlist patterns such as {@code "ollama:*"} are written in. */
    public String canonical() {
        return backend.wireName() + ":" + name;
    }
}
