package dev.llmproxy.config;

import io.github.cdimascio.dotenv.Dotenv;
import java.util.HashMap;
import java.util.Map;

/** The process environment over an optional {@code .env} file in the working directory (the environment wins). */
public final class Environment {
    private Environment() {}

    public static Map<String, String> load() {
        Map<String, String> vars = new HashMap<>();
        Dotenv.configure()
                .ignoreIfMissing()
                .ignoreIfMalformed()
                .load()
                .entries(Dotenv.Filter.DECLARED_IN_ENV_FILE)
                .forEach(e -> vars.put(e.getKey(), e.getValue()));
        vars.putAll(System.getenv());
        return vars;
    }
}
