package dev.llmproxy.config;

import io.github.cdimascio.dotenv.Dotenv;
import java.util.HashMap;
import java.util.Map;

/** The process environment over an optional {@code .env} file in the working directory (the environment wins). */
public final class Environment {
    private Environment() {}

    public static Map<String, String> load() {
        Map<String, String> vars = dotenv(java.nio.file.Path.of("."));
        vars.putAll(System.getenv());
        return vars;
    }

    /**
     * The variables of {@code directory/.env}, as the gateway reads them. {@code scripts/lib.sh}'s
     * {@code dotenv_value} reads them the same way for {@code ./gateway} (a test holds the two together).
     */
    static Map<String, String> dotenv(java.nio.file.Path directory) {
        Map<String, String> vars = new HashMap<>();
        Dotenv.configure()
                .directory(directory.toString())
                .ignoreIfMissing()
                .ignoreIfMalformed()
                .load()
                .entries(Dotenv.Filter.DECLARED_IN_ENV_FILE)
                .forEach(e -> vars.put(e.getKey(), unquoted(e.getValue())));
        return vars;
    }

    /**
     * A {@code .env} value without one pair of surrounding quotes, single or double, as a shell (and so
     * {@code ./gateway}) reads {@code TOKENS_JSON='[...]'}: the same value everywhere.
     */
    static String unquoted(String value) {
        if (value != null && value.length() >= 2) {
            char first = value.charAt(0);
            if ((first == '\'' || first == '"') && value.charAt(value.length() - 1) == first) {
                return value.substring(1, value.length() - 1);
            }
        }
        return value;
    }
}
