package dev.llmproxy.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class StartupWarningsTest {
    static Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>();
        env.put("TOKENS_JSON", "[{\"token\":\"sk-abcdefgh1\",\"label\":\"a\"}]");
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    static List<String> warnings(Map<String, String> env) {
        return StartupWarnings.of(env, ConfigLoader.load(env));
    }

    @Test
    void aMisspelledVariableOfOursIsNamedAndOthersAreLeftAlone() {
        var w = warnings(env("RATE_LIMT_STORE", "redis", "REDIS_TIMEOUT", "5", "PATH", "/bin", "HOME", "/root"));
        assertEquals(2, w.size(), w.toString());
        assertTrue(w.get(0).startsWith("RATE_LIMT_STORE: not a variable llm-proxy reads"), w.toString());
        assertTrue(w.get(1).startsWith("REDIS_TIMEOUT: not a variable"), w.toString());
        assertEquals(List.of(), warnings(env("RATE_LIMIT_STORE", "memory", "REDIS_TIMEOUT_MS", "300")));
        assertEquals(
                List.of(),
                warnings(env(
                        "GATEWAY_BIND",
                        "0.0.0.0",
                        "VLLM_MODEL",
                        "m",
                        "VLLM_SERVICE_HOST",
                        "10.0.0.1",
                        "OLLAMA_PORT_11434_TCP_ADDR",
                        "10.0.0.2",
                        "OLLAMA_PORT",
                        "tcp://10.0.0.2:11434")),
                "compose's and Kubernetes' own");
    }

    @Test
    void aNameCloseToOneOfOursIsNamedWithTheVariableItProbablyMeans() {
        var w = warnings(
                env("TOKEN_JSON", "[]", "BACKEND_JSON", "[]", "RATELIMIT_STORE", "redis", "tokens_json", "[]"));
        assertEquals(
                List.of(
                        "BACKEND_JSON: not a variable llm-proxy reads (did you mean BACKENDS_JSON?); ignored",
                        "RATELIMIT_STORE: not a variable llm-proxy reads (did you mean RATE_LIMIT_STORE?); ignored",
                        "TOKEN_JSON: not a variable llm-proxy reads (did you mean TOKENS_JSON?); ignored",
                        "tokens_json: not a variable llm-proxy reads (did you mean TOKENS_JSON?); ignored"),
                w);
        assertEquals(
                List.of("RATE_LIMT_STORE: not a variable llm-proxy reads (did you mean RATE_LIMIT_STORE?); ignored"),
                warnings(env("RATE_LIMT_STORE", "redis")),
                "a name with one of our prefixes too");
    }

    @Test
    void whatTheLauncherTheScriptsAndTheTestsReadIsNotAWarning() throws Exception {
        // Every variable they read with a default (${NAME:-...}) or through System.getenv, found in the files
        // themselves, so that a new one cannot be forgotten here.
        Map<String, String> env = env();
        Pattern read = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):-|getenv\\(\"([A-Z][A-Z0-9_]*)\"\\)");
        List<Path> files =
                new ArrayList<>(List.of(Path.of("gateway"), Path.of(".ci/run"), Path.of("docker-compose.yml")));
        for (String dir : List.of("scripts", "bench", "src/test/java")) {
            try (Stream<Path> walk = Files.walk(Path.of(dir))) {
                walk.filter(Files::isRegularFile).forEach(files::add);
            }
        }
        for (Path f : files) {
            Matcher m = read.matcher(Files.readString(f));
            while (m.find()) {
                env.putIfAbsent(m.group(1) != null ? m.group(1) : m.group(2), "x");
            }
        }
        for (String name : List.of("NGINX_BIN", "NGINX_RESOLVE_BIN", "REDIS_SERVER_BIN", "COMPOSE_BIN", "TLS_DIR")) {
            assertTrue(env.containsKey(name), name + " was not found: " + env.keySet());
        }
        env.remove("TOKENS_JSON");
        env.remove("TOKENS_FILE");
        env.remove("BACKENDS_JSON");
        env.remove("BACKENDS_FILE");
        env.remove("REDIS_URL");
        env.remove("RATE_LIMIT_STORE");
        env.keySet().removeIf(k -> ConfigLoader.VARIABLES.contains(k));
        env.put("TOKENS_JSON", "[{\"token\":\"sk-abcdefgh1\",\"label\":\"a\"}]");
        assertEquals(List.of(), warnings(env), env.keySet().toString());
    }

    @Test
    void anOrdinaryEnvironmentIsNotAWarning() {
        Map<String, String> env = env();
        for (String name : ORDINARY) {
            env.put(name, "x");
        }
        assertEquals(List.of(), warnings(env));
    }

    /** A shell's, a desktop's, CI's, a container image's and a Kubernetes pod's variables. */
    static final List<String> ORDINARY = List.of(
            "PATH",
            "HOME",
            "USER",
            "LOGNAME",
            "SHELL",
            "PWD",
            "OLDPWD",
            "SHLVL",
            "_",
            "TERM",
            "LANG",
            "LANGUAGE",
            "LC_ALL",
            "LC_CTYPE",
            "TZ",
            "TMPDIR",
            "HOSTNAME",
            "MAIL",
            "EDITOR",
            "VISUAL",
            "PAGER",
            "LESS",
            "LS_COLORS",
            "COLORTERM",
            "DISPLAY",
            "WAYLAND_DISPLAY",
            "XDG_RUNTIME_DIR",
            "XDG_CACHE_HOME",
            "XDG_CONFIG_HOME",
            "XDG_DATA_DIRS",
            "XDG_SESSION_ID",
            "XDG_SESSION_TYPE",
            "DBUS_SESSION_BUS_ADDRESS",
            "SSH_AUTH_SOCK",
            "SSH_CLIENT",
            "SSH_CONNECTION",
            "SSH_TTY",
            "GPG_AGENT_INFO",
            "JAVA_HOME",
            "JAVA_VERSION",
            "JAVA_OPTS",
            "JAVA_TOOL_OPTIONS",
            "JDK_JAVA_OPTIONS",
            "MAVEN_OPTS",
            "MAVEN_HOME",
            "M2_HOME",
            "GOPATH",
            "GOROOT",
            "NVM_DIR",
            "PYENV_ROOT",
            "VIRTUAL_ENV",
            "CONDA_PREFIX",
            "PYTHONUNBUFFERED",
            "PYTHONDONTWRITEBYTECODE",
            "PIP_CERT",
            "http_proxy",
            "https_proxy",
            "no_proxy",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "NO_PROXY",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "CURL_CA_BUNDLE",
            "REQUESTS_CA_BUNDLE",
            "NODE_EXTRA_CA_CERTS",
            "GIT_SSL_CAINFO",
            "AWS_CA_BUNDLE",
            "NIX_SSL_CERT_FILE",
            "DEBIAN_FRONTEND",
            "CI",
            "GITHUB_ACTIONS",
            "GITHUB_TOKEN",
            "GITHUB_SHA",
            "GITHUB_REF",
            "GITHUB_WORKSPACE",
            "RUNNER_OS",
            "RUNNER_TEMP",
            "HOSTTYPE",
            "DOCKER_HOST",
            "COMPOSE_PROJECT_NAME",
            "COMPOSE_FILE",
            "COMPOSE_PROFILES",
            "KUBERNETES_SERVICE_HOST",
            "KUBERNETES_SERVICE_PORT",
            "KUBERNETES_PORT",
            "KUBERNETES_PORT_443_TCP",
            "KUBERNETES_PORT_443_TCP_ADDR",
            "POD_NAMESPACE",
            "POD_NAME",
            "NODE_NAME",
            "HF_TOKEN",
            "HF_HOME",
            "CUDA_VISIBLE_DEVICES",
            "NVIDIA_VISIBLE_DEVICES",
            "CONTAINER_NAME");

    @Test
    void aBackendsKeyVariableIsOursWhateverItsName() {
        var e = env(
                "BACKENDS_JSON",
                "[{\"name\":\"r\",\"type\":\"openai\",\"urls\":[\"https://h\"],\"api_key_env\":\"VLLM_KEY\"}]",
                "VLLM_KEY",
                "k-1");
        assertEquals(List.of(), warnings(e));
    }

    @Test
    void theDevTokenIsAWarning() {
        var w = warnings(env("TOKENS_JSON", "[{\"token\":\"" + StartupWarnings.DEV_TOKEN + "\",\"label\":\"dev\"}]"));
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).contains("dev token"), w.toString());
        assertFalse(w.get(0).contains(StartupWarnings.DEV_TOKEN), "never the token itself");
    }

    @Test
    void theKubernetesPlaceholderSecretIsRefused() {
        var e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(env("GATEWAY_SECRET", "change-me-to-the-output-of-openssl-rand-hex-32")));
        assertTrue(e.getMessage().contains("GATEWAY_SECRET: still the placeholder"), e.getMessage());
    }

    @Test
    void dotEnvValuesLoseOnePairOfQuotesAsTheShellReadsThem() {
        assertEquals("[{\"a\":1}]", Environment.unquoted("'[{\"a\":1}]'"));
        assertEquals("x y", Environment.unquoted("\"x y\""));
        assertEquals("'x", Environment.unquoted("'x"));
        assertEquals("'x\"", Environment.unquoted("'x\""));
        assertEquals("", Environment.unquoted("''"));
        assertEquals("plain", Environment.unquoted("plain"));
    }
}
