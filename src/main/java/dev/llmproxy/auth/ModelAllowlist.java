package dev.llmproxy.auth;

import dev.llmproxy.backends.ModelRef;
import java.util.List;

/**
 * The models a token may use: exact names or prefixes ending in {@code *}. A pattern matches either the
 * model as the client wrote it or its canonical {@code backend:name} form, so {@code "ollama:*"} also
 * covers an unprefixed name that the default backend sends to Ollama. An absent list allows everything.
 */
public record ModelAllowlist(List<String> patterns) {
    public static final ModelAllowlist ANY = new ModelAllowlist(null);

    public ModelAllowlist {
        patterns = patterns == null ? null : List.copyOf(patterns);
    }

    public boolean allowsAll() {
        return patterns == null;
    }

    public boolean allows(ModelRef model) {
        if (patterns == null) {
            return true;
        }
        for (String p : patterns) {
            for (String form : model.allowlistForms()) {
                if (matches(p, form)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean matches(String pattern, String model) {
        return pattern.endsWith("*")
                ? model.startsWith(pattern.substring(0, pattern.length() - 1))
                : pattern.equals(model);
    }
}
