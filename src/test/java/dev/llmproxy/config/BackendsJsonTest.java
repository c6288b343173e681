package dev.llmproxy.config;

import static dev.llmproxy.config.ConfigLoaderTest.SECRET_TOKEN;
import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.backends.BackendType;
import dev.llmproxy.backends.UpstreamUrl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** BACKENDS_JSON and BACKENDS_FILE, read through {@link ConfigLoader#load(Map)} as the gateway reads them. */
class BackendsJsonTest {
    static final String OPENROUTER_KEY = "sk-or-v1-0123456789abcdef-not-a-real-key";

    static final String FLEET = """
            [{"name":"llama","type":"openai","urls":["http://gpu-1:8000/v1","http://gpu-2:8000/v1"]},
             {"name":"embed","type":"openai","urls":["http://gpu-3:8001"],"models":["BAAI/bge-m3"]},
             {"name":"ollama","type":"ollama","urls":["http://ollama-1:11434","http://ollama-2:11434"]},
             {"name":"openrouter","type":"openai","urls":["https://openrouter.ai/api/v1"],"models":["anthropic/*","mistralai/*"],"api_key_env":"OPENROUTER_KEY","headers":{"HTTP-Referer":"https://chat.example.com","X-Title":"Example chat"}},
             {"name":"local","type":"openai","urls":["http://gpu-4:8000/v1"],"aliases":{"gpt-4o-mini":"Qwen/Qwen2.5-7B-Instruct"}}]
            """;

    /** A good entry at index 0, so that the entry under test is BACKENDS_JSON[1]. */
    static final String GOOD = "{\"name\":\"good\",\"type\":\"openai\",\"urls\":[\"http://gpu-1:8000\"]}";

    static Map<String, String> env(String... pairs) {
        return ConfigLoaderTest.env(pairs);
    }

    static Map<String, String> fleet(String... pairs) {
        Map<String, String> m = env("BACKENDS_JSON", FLEET, "OPENROUTER_KEY", OPENROUTER_KEY);
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    static Map<String, String> second(String entry, String... pairs) {
        Map<String, String> m = env(pairs);
        m.put("BACKENDS_JSON", "[" + GOOD + "," + entry + "]");
        return m;
    }

    /** The problems, after checking that neither the API key nor a token is in the exception's message. */
    static List<String> problems(Map<String, String> env) {
        List<String> p = ConfigLoaderTest.problems(env);
        String message = String.join("\n", p);
        assertFalse(message.contains(OPENROUTER_KEY), "the API key leaked into: " + message);
        return p;
    }

    static String problem(Map<String, String> env, String expected) {
        List<String> p = problems(env);
        return p.stream()
                .filter(s -> s.contains(expected))
                .findFirst()
                .orElseThrow(() -> new AssertionError("expected a problem containing <" + expected + "> in " + p));
    }

    static Config load(Map<String, String> env) {
        return ConfigLoader.load(env);
    }

    static BackendSpec spec(Config c, String name) {
        return c.backends().byName(name).orElseThrow(() -> new AssertionError("no backend " + name));
    }

    static List<String> urls(BackendSpec b) {
        return b.urls().stream().map(u -> u.resolve("/v1/models").toString()).toList();
    }

    // ---- a good fleet

    @Test
    void theExampleFleetLoadsInPriorityOrder() {
        Config c = load(fleet());
        assertEquals(
                List.of("llama", "embed", "ollama", "openrouter", "local"),
                c.backends().all().stream().map(BackendSpec::name).toList());
        assertEquals("none", c.backends().defaultName(), "no DEFAULT_BACKEND: an unclaimed model has no backend");
        assertTrue(c.backends().route("some-unclaimed-model").isEmpty());
    }

    @Test
    void theExampleFleetsSpecs() {
        Config c = load(fleet());

        BackendSpec llama = spec(c, "llama");
        assertEquals(BackendType.OPENAI, llama.type());
        assertEquals(
                List.of(new UpstreamUrl("http", "gpu-1", 8000, ""), new UpstreamUrl("http", "gpu-2", 8000, "")),
                llama.urls(),
                "/v1 is taken off, every replica kept");
        assertEquals(Optional.empty(), llama.models(), "no models: discovered");
        assertTrue(llama.discovers());
        assertEquals(Map.of(), llama.aliases());
        assertEquals(Optional.empty(), llama.apiKey());
        assertEquals(Map.of(), llama.headers());
        assertEquals(Optional.empty(), llama.caFile());
        assertEquals(Duration.ofSeconds(4), llama.keepalive(), "the default keepalive, below uvicorn's 5 s");

        BackendSpec embed = spec(c, "embed");
        assertEquals(List.of("http://gpu-3:8001/v1/models"), urls(embed));
        assertEquals(Optional.of(List.of("BAAI/bge-m3")), embed.models());
        assertFalse(embed.discovers());

        BackendSpec ollama = spec(c, "ollama");
        assertEquals(BackendType.OLLAMA, ollama.type());
        assertEquals(
                List.of(new UpstreamUrl("http", "ollama-1", 11434, ""), new UpstreamUrl("http", "ollama-2", 11434, "")),
                ollama.urls());

        BackendSpec openrouter = spec(c, "openrouter");
        assertEquals(List.of(new UpstreamUrl("https", "openrouter.ai", 443, "/api")), openrouter.urls());
        assertEquals(Optional.of(List.of("anthropic/*", "mistralai/*")), openrouter.models());
        assertEquals(OPENROUTER_KEY, openrouter.apiKey().orElseThrow().value(), "the named variable's value");
        assertEquals(
                Map.of("HTTP-Referer", "https://chat.example.com", "X-Title", "Example chat"), openrouter.headers());

        BackendSpec local = spec(c, "local");
        assertEquals(Map.of("gpt-4o-mini", "Qwen/Qwen2.5-7B-Instruct"), local.aliases());
        assertEquals(Optional.empty(), local.models());
    }

    @Test
    void theFleetRoutesByAliasPatternAndExactName() {
        var b = load(fleet()).backends();
        assertEquals("local", b.route("gpt-4o-mini").orElseThrow().backend().name());
        assertEquals(
                "openrouter",
                b.route("anthropic/claude-3.5-sonnet").orElseThrow().backend().name());
        assertEquals("embed", b.route("BAAI/bge-m3").orElseThrow().backend().name());
        assertEquals(
                "ollama", b.route("ollama:qwen2.5:0.5b").orElseThrow().backend().name());
    }

    @Test
    void optionalFieldsAtTheirLimits(@TempDir Path dir) throws Exception {
        Path ca = new dev.llmproxy.testing.KeytoolCa(dir).pem();
        Config c = load(
                env(
                        "BACKENDS_JSON",
                        "[{\"name\":\"a\",\"type\":\"openai\",\"urls\":[\"http://h:1/v1\",\"http://h:2\"],\"keepalive_seconds\":0},"
                                + "{\"name\":\"b-2\",\"type\":\"openai\",\"urls\":[\"https://h/x\"],\"keepalive_seconds\":3600,"
                                + "\"ca_file\":\"" + ca + "\"},"
                                + "{\"name\":\"0123456789abcdef0123456789abcdef\",\"type\":\"echo\",\"models\":[\"*\",\"echo-1\"]}]"));
        assertEquals(Duration.ZERO, spec(c, "a").keepalive());
        assertEquals(List.of("http://h:1/v1/models", "http://h:2/v1/models"), urls(spec(c, "a")), "/v1 optional");
        assertEquals(Duration.ofSeconds(3600), spec(c, "b-2").keepalive());
        assertEquals(Optional.of(ca.toString()), spec(c, "b-2").caFile());
        BackendSpec echo = spec(c, "0123456789abcdef0123456789abcdef");
        assertEquals(BackendType.ECHO, echo.type());
        assertEquals(List.of(), echo.urls());
        assertEquals(Optional.of(List.of("*", "echo-1")), echo.models());
    }

    // ---- every rule of an entry: index, name, field and rule in one message

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                // type
                "{\"name\":\"x\",\"urls\":[\"http://h:1\"]}| \"x\": type is required: \"openai\" (vLLM or any OpenAI-compatible server), \"ollama\" or \"echo\"",
                "{\"name\":\"x\",\"type\":\"vllm\",\"urls\":[\"http://h:1\"]}| \"x\": type must be \"openai\" (vLLM or any OpenAI-compatible server), \"ollama\" or \"echo\", got \"vllm\"",
                "{\"name\":\"x\",\"type\":\"OpenAI\",\"urls\":[\"http://h:1\"]}| \"x\": type must be \"openai\" (vLLM or any OpenAI-compatible server), \"ollama\" or \"echo\", got \"OpenAI\"",
                "{\"name\":\"x\",\"type\":1,\"urls\":[\"http://h:1\"]}| \"x\": type must be \"openai\" (vLLM or any OpenAI-compatible server), \"ollama\" or \"echo\", got a number",
                // urls
                "{\"name\":\"x\",\"type\":\"openai\"}| \"x\": urls is required: a non-empty array",
                "{\"name\":\"x\",\"type\":\"ollama\"}| \"x\": urls is required: a non-empty array",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[]}| \"x\": urls must be a non-empty array of base URLs, one per replica, got an empty array",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":\"http://h:1\"}| \"x\": urls must be a non-empty array of base URLs, one per replica, got a string",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[8000]}| \"x\": urls[0]: must be a string",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"ftp://h:1\"]}| \"x\": urls[0]: must start with http:// or https://",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"gpu-1:8000\"]}| \"x\": urls[0]: must start with http:// or https://",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\",\"http://u:pw@h:2\"]}| \"x\": urls[1]: must not contain credentials",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1?a=1\"]}| \"x\": urls[0]: must not contain credentials, a query",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\",\"https://i:1\"]}| \"x\": urls[1]: every replica of a backend has the same scheme and base path as urls[0]",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1/a\",\"http://i:1/b\"]}| \"x\": urls[1]: every replica of a backend has the same scheme and base path as urls[0]",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1/v1\",\"http://h:1/\"]}| \"x\": urls[1]: the same replica twice",
                "{\"name\":\"x\",\"type\":\"echo\",\"urls\":[\"http://h:1\"]}| \"x\": urls: an echo backend has none",
                "{\"name\":\"x\",\"type\":\"echo\",\"urls\":[]}| \"x\": urls: an echo backend has none",
                // models
                "{\"name\":\"x\",\"type\":\"echo\",\"models\":[]}| \"x\": models: a non-empty array",
                "{\"name\":\"x\",\"type\":\"echo\",\"models\":\"llama*\"}| \"x\": models: a non-empty array",
                "{\"name\":\"x\",\"type\":\"echo\",\"models\":[\"a*b\"]}| \"x\": models: \"a*b\" is not a model name or a prefix ending in one *",
                "{\"name\":\"x\",\"type\":\"echo\",\"models\":[\"a**\"]}| \"x\": models: \"a**\" is not a model name",
                "{\"name\":\"x\",\"type\":\"echo\",\"models\":[\"\"]}| \"x\": models: \"\" is not a model name",
                "{\"name\":\"x\",\"type\":\"echo\",\"models\":[\"two words\"]}| \"x\": models: \"two words\" is not a model name",
                "{\"name\":\"x\",\"type\":\"echo\",\"models\":[7]}| \"x\": models: \"null\" is not a model name",
                // aliases
                "{\"name\":\"x\",\"type\":\"echo\",\"aliases\":[\"a\"]}| \"x\": aliases: must be an object of strings",
                "{\"name\":\"x\",\"type\":\"echo\",\"aliases\":{\"a\":1}}| \"x\": aliases: \"a\" must be a string",
                "{\"name\":\"x\",\"type\":\"echo\",\"aliases\":{\"a b\":\"c\"}}| \"x\": aliases: \"a b\" -> \"c\": both names must be",
                "{\"name\":\"x\",\"type\":\"echo\",\"aliases\":{\"a\":\"\"}}| \"x\": aliases: \"a\" -> \"\": both names must be",
                // api_key_env
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"api_key_env\":\"NOT_SET_ANYWHERE\"}| \"x\": api_key_env: the variable NOT_SET_ANYWHERE is not set",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"api_key_env\":\"EMPTY_KEY\"}| \"x\": api_key_env: the variable EMPTY_KEY is not set",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"api_key_env\":\"1ABC\"}| \"x\": api_key_env: the name of an environment variable",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"api_key_env\":42}| \"x\": api_key_env: the name of an environment variable",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"api_key_env\":\"BAD_KEY\"}| \"x\": api_key_env: the value of BAD_KEY must be printable ASCII without spaces, quotes, backslashes or '$'",
                // headers
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":[\"X-A\"]}| \"x\": headers: must be an object of strings",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":{\"X-A\":1}}| \"x\": headers: \"X-A\" must be a string",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":{\"X A\":\"1\"}}| \"x\": headers: \"X A\" is not a header name",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":{\"X-A:\":\"1\"}}| \"x\": headers: \"X-A:\" is not a header name",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":{\"X-A\":\"say \\\"hi\\\"\"}}| \"x\": headers: the value of X-A must be printable ASCII without quotes, backslashes or '$'",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":{\"X-A\":\"$host\"}}| \"x\": headers: the value of X-A must be printable ASCII",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":{\"X-A\":\"${x}\"}}| \"x\": headers: the value of X-A must be printable ASCII",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":{\"X-A\":\"a\\\\\"}}| \"x\": headers: the value of X-A must be printable ASCII",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":{\"X-A\":\"a\\nX-B: b\"}}| \"x\": headers: the value of X-A must be printable ASCII",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":{\"X-A\":\"caf\u00e9\"}}| \"x\": headers: the value of X-A must be printable ASCII",
                // ca_file
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"https://h:1\"],\"ca_file\":\"ca.pem\"}| \"x\": ca_file: an absolute path to a PEM bundle",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"https://h:1\"],\"ca_file\":\"/etc/a b.pem\"}| \"x\": ca_file: an absolute path to a PEM bundle",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"https://h:1\"],\"ca_file\":\"/nonexistent/ca.pem\"}| \"x\": ca_file: cannot read /nonexistent/ca.pem",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"ca_file\":\"/etc/hostname\"}| \"x\": ca_file: only for https backends",
                // keepalive_seconds
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"keepalive_seconds\":-1}| \"x\": keepalive_seconds: a whole number of seconds from 0 (no kept connections) to 3600",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"keepalive_seconds\":3601}| \"x\": keepalive_seconds: a whole number",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"keepalive_seconds\":1.5}| \"x\": keepalive_seconds: a whole number",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"keepalive_seconds\":\"4\"}| \"x\": keepalive_seconds: a whole number",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"keepalive_seconds\":null}| \"x\": keepalive_seconds: a whole number",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"keepalive_seconds\":18446744073709551616}| \"x\": keepalive_seconds: a whole number",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"keepalive_seconds\":18446744073709551620}| \"x\": keepalive_seconds: a whole number",
                // echo
                "{\"name\":\"x\",\"type\":\"echo\",\"headers\":{\"X-A\":\"1\"}}| \"x\": an echo backend is served by the sidecar: api_key_env, headers and ca_file do not apply",
                "{\"name\":\"x\",\"type\":\"echo\",\"api_key_env\":\"OPENROUTER_KEY\"}| \"x\": an echo backend is served by the sidecar",
                // unknown fields: typos must not pass silently
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"model\":[\"a\"]}| \"x\": unknown field \"model\" (known: aliases, api_key_env, ca_file, forward_identity, headers, keepalive_seconds, models, name, type, urls)",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"api_key\":\"OPENROUTER_KEY\"}| \"x\": unknown field \"api_key\"",
                "{\"name\":\"x\",\"type\":\"openai\",\"url\":\"http://h:1\",\"urls\":[\"http://h:1\"]}| \"x\": unknown field \"url\"",
                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"Headers\":{}}| \"x\": unknown field \"Headers\"",
            })
    void entryRules(String entry, String expected) {
        Map<String, String> env =
                second(entry, "OPENROUTER_KEY", OPENROUTER_KEY, "EMPTY_KEY", " ", "BAD_KEY", "bad key value");
        String p = problem(env, expected);
        assertTrue(p.startsWith("BACKENDS_JSON[1] \"x\": "), "index and name first: " + p);
        assertFalse(p.contains("bad key value"), "the key's value is never shown: " + p);
        // The good entry beside it is not blamed.
        assertTrue(
                problems(env).stream().noneMatch(s -> s.startsWith("BACKENDS_JSON[0]")),
                problems(env).toString());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "{\"type\":\"openai\",\"urls\":[\"http://h:1\"]}| is required|",
                "{\"name\":null,\"type\":\"openai\",\"urls\":[\"http://h:1\"]}| is required|",
                "{\"name\":\"\",\"type\":\"openai\",\"urls\":[\"http://h:1\"]}| must be|, got \"\"",
                "{\"name\":\"Llama\",\"type\":\"openai\",\"urls\":[\"http://h:1\"]}| must be|, got \"Llama\"",
                "{\"name\":\"Bad Name\",\"type\":\"openai\",\"urls\":[\"http://h:1\"]}| must be|, got \"Bad Name\"",
                "{\"name\":\"-llama\",\"type\":\"openai\",\"urls\":[\"http://h:1\"]}| must be|, got \"-llama\"",
                "{\"name\":\"llama_3\",\"type\":\"openai\",\"urls\":[\"http://h:1\"]}| must be|, got \"llama_3\"",
                "{\"name\":\"gpu:1\",\"type\":\"openai\",\"urls\":[\"http://h:1\"]}| must be|, got \"gpu:1\"",
                "{\"name\":\"0123456789abcdef0123456789abcdefX\",\"type\":\"openai\",\"urls\":[\"http://h:1\"]}| must be|, got \"0123456789abcdef0123456789abcdefX\"",
                "{\"name\":\"0123456789abcdef0123456789abcdef0\",\"type\":\"openai\",\"urls\":[\"http://h:1\"]}| must be|, got \"0123456789abcdef0123456789abcdef0\"",
                "{\"name\":7,\"type\":\"openai\",\"urls\":[\"http://h:1\"]}| must be|, got a number",
            })
    void nameIsRequiredAndShaped(String entry, String verb, String got) {
        assertEquals(
                List.of("BACKENDS_JSON[1]: name " + verb
                        + (verb.equals("is required") ? ": " : " ")
                        + "1-32 lower-case letters, digits and dashes, starting with a letter or digit"
                        + (got == null ? "" : got)),
                problems(second(entry)));
    }

    @Test
    void namesAreUnique() {
        assertEquals(
                List.of("BACKENDS_JSON[2] \"good\": name is already used by BACKENDS_JSON[0]"),
                problems(env(
                        "BACKENDS_JSON",
                        "[" + GOOD
                                + ",{\"name\":\"other\",\"type\":\"echo\"},{\"name\":\"good\",\"type\":\"echo\"}]")));
    }

    @Test
    void anEntryThatIsNotAnObject() {
        problem(second("\"llama\""), "BACKENDS_JSON[1]: must be an object with name, type and urls");
        problem(second("null"), "BACKENDS_JSON[1]: must be an object");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "{}", "{\"name\":\"a\",\"type\":\"echo\"}", "\"[]\"", "42", "null"})
    void theWholeValueIsANonEmptyArray(String json) {
        problem(env("BACKENDS_JSON", json), "BACKENDS_JSON: must be a non-empty JSON array of backends");
    }

    @Test
    void invalidJsonIsReportedByPositionWithoutEchoingIt() {
        var p = problems(env(
                "BACKENDS_JSON",
                "[{\"name\":\"a\",\"type\":\"openai\" \"urls\":[\"http://" + OPENROUTER_KEY + "@h:1\"]}]"));
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).matches("BACKENDS_JSON: not valid JSON \\(line 1, column \\d+\\)"), p.get(0));
    }

    @Test
    void aKeyWrittenTwiceIsAnErrorNotTheLastOneWins() {
        // {"urls":[...],"urls":[...]}: a parser that kept the last value would quietly send calls elsewhere.
        assertEquals(
                List.of("BACKENDS_JSON: not valid JSON (line 1, column 58)"),
                problems(
                        env(
                                "BACKENDS_JSON",
                                "[{\"name\":\"a\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"urls\":[\"http://evil:1\"]}]")));
        problem(
                env(
                        "BACKENDS_JSON",
                        "[{\"name\":\"a\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":{\"X-A\":\"1\",\"X-A\":\"2\"}}]"),
                "BACKENDS_JSON: not valid JSON");
    }

    // ---- every problem at once

    @Test
    void everyProblemOfEveryEntryIsReportedInOneException() {
        String json = "["
                + GOOD + ","
                + "{\"name\":\"a\",\"type\":\"openai\",\"urls\":[\"ftp://h\"],\"keepalive_seconds\":-1,\"modles\":[]},"
                + "{\"name\":\"B\",\"type\":\"ollama\",\"urls\":[\"http://o:11434\"]},"
                + "{\"name\":\"c\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"api_key_env\":\"MISSING_KEY\","
                + "\"headers\":{\"Authorization\":\"Bearer x\",\"X-A\":\"$x\"}},"
                + "{\"name\":\"d\",\"type\":\"echo\",\"urls\":[\"http://h:1\"]},"
                + "{\"name\":\"good\",\"type\":\"kafka\"}" // and no urls
                + "]";
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env("BACKENDS_JSON", json)));
        List<String> expected = List.of(
                "BACKENDS_JSON[1] \"a\": unknown field \"modles\"",
                "BACKENDS_JSON[1] \"a\": urls[0]: must start with http:// or https://",
                "BACKENDS_JSON[1] \"a\": keepalive_seconds: a whole number",
                "BACKENDS_JSON[2]: name must be 1-32 lower-case letters, digits and dashes, starting with a letter or digit, got \"B\"",
                "BACKENDS_JSON[3] \"c\": api_key_env: the variable MISSING_KEY is not set",
                "BACKENDS_JSON[3] \"c\": headers: Authorization is set by the gateway",
                "BACKENDS_JSON[3] \"c\": headers: the value of X-A must be",
                "BACKENDS_JSON[4] \"d\": urls: an echo backend has none",
                "BACKENDS_JSON[5] \"good\": name is already used by BACKENDS_JSON[0]",
                "BACKENDS_JSON[5] \"good\": type must be \"openai\" (vLLM or any OpenAI-compatible server), \"ollama\" or \"echo\", got \"kafka\"",
                "BACKENDS_JSON[5] \"good\": urls is required");
        List<String> actual = e.problems();
        assertEquals(expected.size(), actual.size(), String.join("\n", actual));
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(actual.get(i).startsWith(expected.get(i)), expected.get(i) + " <> " + actual.get(i));
        }
        assertTrue(e.getMessage().startsWith("invalid configuration:\n  BACKENDS_JSON[1] \"a\": "), e.getMessage());
    }

    // ---- BACKENDS_FILE

    @Test
    void backendsFileIsReadLikeBackendsJson(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("backends.json"), FLEET);
        Map<String, String> env = fleet("BACKENDS_FILE", file.toString());
        env.remove("BACKENDS_JSON");
        Config c = load(env);
        assertEquals(load(fleet()).backends().all(), c.backends().all());
    }

    @Test
    void backendsFileProblemsAreNamedAfterIt(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(
                dir.resolve("backends.json"), "[" + GOOD + ",{\"name\":\"x\",\"type\":\"echo\",\"urls\":[]}]");
        problem(env("BACKENDS_FILE", file.toString()), "BACKENDS_FILE[1] \"x\": urls: an echo backend has none");
        Path bad = Files.writeString(dir.resolve("bad.json"), "[{");
        problem(env("BACKENDS_FILE", bad.toString()), "BACKENDS_FILE: not valid JSON");
    }

    @Test
    void anUnreadableBackendsFile(@TempDir Path dir) {
        assertEquals(
                List.of("BACKENDS_FILE: cannot read " + dir.resolve("missing.json") + " (NoSuchFileException)"),
                problems(env("BACKENDS_FILE", dir.resolve("missing.json").toString())));
        problem(env("BACKENDS_FILE", dir.toString()), "BACKENDS_FILE: cannot read " + dir);
    }

    @Test
    void backendsJsonAndBackendsFileTogether(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("backends.json"), FLEET);
        assertEquals(
                List.of("BACKENDS_JSON, BACKENDS_FILE: set one of them, not both"),
                problems(fleet("BACKENDS_FILE", file.toString())));
    }

    @Test
    void backendsJsonBesideABackendsFileThatCannotBeRead(@TempDir Path dir) {
        assertEquals(
                List.of(
                        "BACKENDS_JSON, BACKENDS_FILE: set one of them, not both",
                        "BACKENDS_FILE: cannot read " + dir.resolve("missing.json") + " (NoSuchFileException)"),
                problems(fleet("BACKENDS_FILE", dir.resolve("missing.json").toString())));
    }

    // ---- the legacy variables

    @Test
    void withoutBackendsJsonTheLegacyVariablesWorkAsBefore() {
        Config c = load(env(
                "VLLM_BASE_URL",
                "http://gpu-1:8000/v1",
                "VLLM_API_KEY",
                "legacy-key-1",
                "OLLAMA_BASE_URL",
                "http://ollama:11434"));
        assertEquals(
                List.of("vllm", "ollama"),
                c.backends().all().stream().map(BackendSpec::name).toList());
        assertEquals("vllm", c.backends().defaultName());
        BackendSpec vllm = spec(c, "vllm");
        assertEquals(BackendType.OPENAI, vllm.type());
        assertEquals(List.of(new UpstreamUrl("http", "gpu-1", 8000, "")), vllm.urls());
        assertEquals("legacy-key-1", vllm.apiKey().orElseThrow().value());
        assertEquals(BackendType.OLLAMA, spec(c, "ollama").type());
        assertEquals(
                List.of(new UpstreamUrl("http", "ollama", 11434, "")),
                spec(c, "ollama").urls());
        assertEquals("ollama", load(env("DEFAULT_BACKEND", "ollama")).backends().defaultName());
        assertEquals("vllm", load(env()).backends().defaultName(), "DEFAULT_BACKEND defaults to vllm");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "VLLM_BASE_URL|http://gpu-1:8000|BACKENDS_JSON: cannot be combined with VLLM_BASE_URL; remove it (backends named vllm and ollama can be entries of BACKENDS_JSON)",
                "VLLM_API_KEY|legacy-key-1|BACKENDS_JSON: cannot be combined with VLLM_API_KEY; remove it",
                "OLLAMA_BASE_URL|http://o:11434|BACKENDS_JSON: cannot be combined with OLLAMA_BASE_URL; remove it",
            })
    void legacyAndBackendsJsonTogether(String variable, String value, String expected) {
        String p = problem(fleet(variable, value), expected);
        assertFalse(p.contains(value), "the variable's value is not shown: " + p);
    }

    @Test
    void everyLegacyVariableSetIsNamed(@TempDir Path dir) throws Exception {
        assertEquals(
                List.of(
                        "BACKENDS_JSON: cannot be combined with VLLM_BASE_URL, VLLM_API_KEY, OLLAMA_BASE_URL; remove them"
                                + " (backends named vllm and ollama can be entries of BACKENDS_JSON)"),
                problems(fleet(
                        "VLLM_BASE_URL",
                        "http://gpu-1:8000",
                        "VLLM_API_KEY",
                        "legacy-key-1",
                        "OLLAMA_BASE_URL",
                        "http://o:11434")));
        Path file = Files.writeString(dir.resolve("backends.json"), FLEET);
        Map<String, String> env = fleet("BACKENDS_FILE", file.toString(), "VLLM_API_KEY", "legacy-key-1");
        env.remove("BACKENDS_JSON");
        problem(env, "BACKENDS_FILE: cannot be combined with VLLM_API_KEY; remove it");
    }

    // ---- DEFAULT_BACKEND

    @Test
    void defaultBackendNamesABackendOfTheList() {
        assertEquals("local", load(fleet("DEFAULT_BACKEND", "local")).backends().defaultName());
        assertEquals(
                "local",
                load(fleet("DEFAULT_BACKEND", "local"))
                        .backends()
                        .route("some-unclaimed-model")
                        .orElseThrow()
                        .backend()
                        .name());
        assertEquals("none", load(fleet("DEFAULT_BACKEND", " ")).backends().defaultName(), "blank is absent");
    }

    @Test
    void defaultBackendIsCheckedBesideAnEntrysOwnProblems() {
        assertEquals(
                List.of(
                        "BACKENDS_JSON[0] \"echo\": urls: an echo backend has none (the sidecar answers it)",
                        "DEFAULT_BACKEND: \"nope\" is not the name of a backend (names: echo)"),
                problems(env(
                        "BACKENDS_JSON",
                        "[{\"name\":\"echo\",\"type\":\"echo\",\"urls\":[\"http://x\"]}]",
                        "DEFAULT_BACKEND",
                        "nope")));
        assertTrue(
                problems(env("BACKENDS_JSON", "[{\"name\":\"Bad Name\",\"type\":\"echo\"}]", "DEFAULT_BACKEND", "gpu"))
                        .contains(
                                "DEFAULT_BACKEND: \"gpu\" is not the name of a backend (no entry has a valid name yet)"),
                "not an empty list of names");
        // Naming an entry whose own name is refused is that entry's problem, said once.
        var p = problems(fleet(
                "BACKENDS_JSON",
                FLEET.replace("\"name\":\"local\"", "\"name\":\"Local\""),
                "DEFAULT_BACKEND",
                "Local"));
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("BACKENDS_JSON[4]: name "), p.toString());
    }

    @Test
    void anEntryWithProblemsStillClaimsTheKeyVariableItNames() {
        assertEquals(
                List.of("BACKENDS_JSON[0] \"vllm\": urls[0]: must start with http:// or https://"),
                problems(env(
                        "BACKENDS_JSON",
                        "[{\"name\":\"vllm\",\"type\":\"openai\",\"urls\":[\"ftp://h\"],\"api_key_env\":\"VLLM_API_KEY\"}]",
                        "VLLM_API_KEY",
                        "k-1")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt", "vllm", "Llama"})
    void anUnknownDefaultBackend(String name) {
        assertEquals(
                List.of("DEFAULT_BACKEND: \"" + name
                        + "\" is not the name of a backend (names: llama, embed, ollama, openrouter, local)"),
                problems(fleet("DEFAULT_BACKEND", name)));
    }

    // ---- the API key is never shown

    @Test
    void theApiKeyIsInNoMessageAndNotInToString() {
        Config c = load(fleet());
        assertFalse(c.toString().contains(OPENROUTER_KEY), c.toString());
        assertFalse(spec(c, "openrouter").toString().contains(OPENROUTER_KEY));
        assertFalse(c.backends().describe().contains(OPENROUTER_KEY), "the start-up line");
        // Problems of the entry that holds the key, of its headers and of the whole configuration.
        String json =
                FLEET.replace("\"X-Title\"", "\"Authorization\"").replace("\"name\":\"local\"", "\"name\":\"Local\"");
        var e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(fleet("BACKENDS_JSON", json, "DEFAULT_BACKEND", "x", "VLLM_API_KEY", "k")));
        assertEquals(4, e.problems().size(), e.getMessage()); // and DEFAULT_BACKEND: no entry is named x
        assertFalse(e.getMessage().contains(OPENROUTER_KEY), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET_TOKEN), e.getMessage());
    }

    @Test
    void aKeyWithCharactersNginxWouldReadIsRefusedWithoutShowingIt() {
        for (String key : List.of("sk-\"quoted", "sk-$host", "sk-a\\b", "sk with space", "sk-\nnext")) {
            var p = problems(fleet("OPENROUTER_KEY", key));
            assertEquals(
                    List.of(
                            "BACKENDS_JSON[3] \"openrouter\": api_key_env: the value of OPENROUTER_KEY must be printable"
                                    + " ASCII without spaces, quotes, backslashes or '$'"),
                    p,
                    key);
        }
    }

    @Test
    void aKeyPastedIntoApiKeyEnvIsNotShown() {
        // The field takes a variable's name; a key written there by mistake must not end up in a log.
        String pasted = "a3f9c2e18b7d4f6a9e0c1b2d3e4f5a6b";
        var p = problems(fleet("BACKENDS_JSON", FLEET.replace("\"OPENROUTER_KEY\"", "\"" + pasted + "\"")));
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("BACKENDS_JSON[3] \"openrouter\": api_key_env: "), p.get(0));
        assertFalse(p.get(0).contains(pasted), p.get(0));
        assertFalse(p.get(0).contains(pasted.substring(0, 12)), p.get(0));
        assertEquals(
                "BACKENDS_JSON[3] \"openrouter\": api_key_env: the variable it names is not set (api_key_env takes the"
                        + " name of a variable, never the key itself)",
                p.get(0));
        problem(fleet("OPENROUTER_KEY", ""), "\"openrouter\": api_key_env: the variable OPENROUTER_KEY is not set");
        // A lower-case name is still a variable's name: used when set.
        Config c = load(fleet(
                "BACKENDS_JSON",
                FLEET.replace("\"OPENROUTER_KEY\"", "\"openrouter_key\""),
                "openrouter_key",
                "sk-lower"));
        assertEquals("sk-lower", spec(c, "openrouter").apiKey().orElseThrow().value());
    }

    // ---- headers nginx renders

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Authorization",
                "authorization",
                "Host",
                "X-Gateway-Secret",
                "x-token-label",
                "X-Proxy-Backend",
                "X-Request-ID",
                "X-Real-IP",
                "X-Forwarded-For",
                "X-LLM-Model",
                "X-LLM-Upstream-Model",
                "X-RateLimit-Checked",
                "Content-Length",
                "Proxy-Authorization",
            })
    void noHeaderTheGatewaySetsCanBeConfigured(String header) {
        assertEquals(
                List.of("BACKENDS_JSON[1] \"x\": headers: " + header
                        + " is set by the gateway and cannot be configured"),
                problems(second("{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":{\"" + header
                        + "\":\"v\"}}")));
    }

    @Test
    void headerValuesNginxReadsLiterallyAreAccepted() {
        String value = "a {b}; c='d' #e &f=g|h~i";
        Config c = load(second("{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":{\"X-A\":\""
                + value + "\"}}"));
        assertEquals(Map.of("X-A", value), spec(c, "x").headers());
    }

    @Test
    void aHeaderNamedTwiceInAnyCaseIsAnError() {
        assertEquals(
                List.of("BACKENDS_JSON[1] \"x\": headers: x-title is given twice (header names are case-insensitive)"),
                problems(second("{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],"
                        + "\"headers\":{\"X-Title\":\"a\",\"x-title\":\"b\"}}")));
    }

    @Test
    void reviewedRules() {
        // Replicas over https share one host name: nginx verifies each certificate for it.
        assertTrue(problems(
                        second(
                                "{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"https://a.example.com\",\"https://b.example.com\"]}"))
                .get(0)
                .contains("every https replica of a backend has urls[0]'s host name (a.example.com)"));
        // Header names are written unquoted into nginx's config: letters, digits and dashes only.
        for (String name : List.of("'x", "#x", "x;y", "x{")) {
            assertTrue(
                    problems(second("{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"headers\":{\""
                                    + name + "\":\"v\"}}"))
                            .get(0)
                            .contains("is not a header name"),
                    name);
        }
    }

    @Test
    void aListMayKeepTheKeyInVllmApiKey() {
        Config c = ConfigLoader.load(
                Map.of(
                        "TOKENS_JSON",
                        "[{\"token\":\"sk-abcdefgh1\",\"label\":\"a\"}]",
                        "VLLM_API_KEY",
                        "k-9",
                        "BACKENDS_JSON",
                        "[{\"name\":\"vllm\",\"type\":\"openai\",\"urls\":[\"http://h:1\"],\"api_key_env\":\"VLLM_API_KEY\"}]"));
        assertEquals(
                "k-9",
                c.backends().byName("vllm").orElseThrow().apiKey().orElseThrow().value());
    }

    @Test
    void aCaFileThatHoldsNoCertificateIsRefusedAtStartNotLater(@TempDir Path dir) throws Exception {
        Path garbage = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
        assertTrue(problems(second("{\"name\":\"x\",\"type\":\"openai\",\"urls\":[\"https://h:1\"],\"ca_file\":\""
                        + garbage + "\"}"))
                .get(0)
                .contains("ca_file: " + garbage + " holds no PEM certificate"));
    }
}
