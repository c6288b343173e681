package dev.llmproxy.robust;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.testing.WrongTypes;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A corpus of bad requests, generated and hand-written, through the real nginx front: every one gets a
 * 4xx with an OpenAI-shaped JSON body, none a 5xx, none hangs, and the sidecar's threads and heap are
 * back to normal afterwards.
 */
@Integration
class BadInputCorpusTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "sk-corpus-0123456789";
    static final String VALID_CHAT =
            "{\"model\":\"ollama:llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    static Gateway gw;
    static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** One bad request: its path, method, headers and raw body bytes (null for none). */
    record Case(String name, String method, String path, byte[] body, List<String> headers) {}

    @BeforeAll
    static void start() throws Exception {
        gw = Gateway.start(
                "[{\"token\":\"" + TOKEN + "\",\"label\":\"corpus\"}]",
                Map.of("MAX_BODY_BYTES", "65536", "DEFAULT_BACKEND", "ollama"));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static Case post(String name, String body) {
        return new Case(
                name,
                "POST",
                "/v1/chat/completions",
                body.getBytes(StandardCharsets.UTF_8),
                List.of("Authorization", bearer(TOKEN)));
    }

    static List<Case> corpus() {
        List<Case> cases = new ArrayList<>();
        // Truncated JSON: every prefix of a valid body at 3-byte steps.
        for (int i = 0; i < VALID_CHAT.length() - 1; i += 3) {
            cases.add(post("truncated at " + i, VALID_CHAT.substring(0, i)));
        }
        // Malformed JSON.
        for (String bad : List.of(
                "{",
                "}",
                "[]",
                "null",
                "true",
                "42",
                "\"model\"",
                "{model:\"x\"}",
                "{'model':'x'}",
                "{\"model\":\"x\",}",
                "{\"model\":\"x\"} {}",
                "{\"model\" \"x\"}",
                "{\"model\":\"x\"\"messages\":[]}",
                "{\"model\":NaN}",
                "{\"model\":\"\\x\"}",
                "\uFEFF{\"model\":",
                "{\"model\":\"ollama:llama3.2\",\"messages\":[}",
                "{\"model\":\"ollama:llama3.2\",\"messages\":[{]}")) {
            cases.add(post("malformed " + bad, bad));
        }
        // Wrong types for every field the gateway reads.
        String[] wrongValues = {"42", "-1", "1.5", "\"text\"", "true", "null", "[]", "{}", "[1,2]", "\"\""};
        for (String field : List.of(
                "model",
                "messages",
                "stream",
                "temperature",
                "top_p",
                "seed",
                "stop",
                "max_tokens",
                "max_completion_tokens",
                "frequency_penalty",
                "presence_penalty",
                "n",
                "tools",
                "response_format",
                "stream_options",
                "reasoning_effort")) {
            for (String v : wrongValues) {
                String body = field.equals("model")
                        ? VALID_CHAT.replace("\"ollama:llama3.2\"", v)
                        : field.equals("messages")
                                ? VALID_CHAT.replace("[{\"role\":\"user\",\"content\":\"Hi\"}]", v)
                                : VALID_CHAT.replace("{\"model\"", "{\"" + field + "\":" + v + ",\"model\"");
                if (acceptable(field, v)) {
                    continue; // a legal value for that field: not bad input
                }
                cases.add(post(field + "=" + v, body));
            }
        }
        // Bad messages.
        for (String m : List.of(
                "[\"hi\"]",
                "[{}]",
                "[{\"role\":\"user\"}]",
                "[{\"role\":\"wizard\",\"content\":\"x\"}]",
                "[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]",
                "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":5}]}]",
                "[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]",
                "[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"file:///etc/passwd\"}}]}]",
                "[{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":\"{not json\"}}]}]",
                "[{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{\"arguments\":\"{}\"}}]}]")) {
            cases.add(post("messages " + m, VALID_CHAT.replace("[{\"role\":\"user\",\"content\":\"Hi\"}]", m)));
        }
        // Huge numbers and deep nesting.
        cases.add(post("huge max_tokens", VALID_CHAT.replace("{\"model\"", "{\"max_tokens\":1e400,\"model\"")));
        cases.add(post(
                "huge seed", VALID_CHAT.replace("{\"model\"", "{\"seed\":123456789012345678901234567890,\"model\"")));
        cases.add(post(
                "deep nesting", "{\"model\":\"ollama:llama3.2\",\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}"));
        cases.add(post(
                "deep objects",
                "{\"model\":\"ollama:llama3.2\",\"x\":" + "{\"a\":".repeat(3000) + "1" + "}".repeat(3000) + "}"));
        // Bad models.
        for (String model : List.of(
                "\"\"",
                "\" \"",
                "\"a b\"",
                "\"a\\nX-Injected: 1\"",
                "\"quo\\\"te\"",
                "\"back\\\\slash\"",
                "\"" + "m".repeat(300) + "\"",
                "\"ünïcode\"",
                "\"ollama:\"",
                "\"ollama:nope\"")) {
            cases.add(post("model " + model, VALID_CHAT.replace("\"ollama:llama3.2\"", model)));
        }
        // Invalid UTF-8 and bodies of the wrong size.
        byte[] invalidUtf8 = VALID_CHAT.replace("Hi", "H\u0001i").getBytes(StandardCharsets.UTF_8);
        invalidUtf8[invalidUtf8.length - 30] = (byte) 0xC3; // a lead byte followed by ASCII
        cases.add(new Case(
                "invalid UTF-8", "POST", "/v1/chat/completions", invalidUtf8, List.of("Authorization", bearer(TOKEN))));
        cases.add(new Case(
                "empty body", "POST", "/v1/chat/completions", new byte[0], List.of("Authorization", bearer(TOKEN))));
        cases.add(post("oversized body", VALID_CHAT.replace("Hi", "x".repeat(70_000))));
        // Authorization: missing, odd, wrong.
        for (String auth : List.of(
                "",
                "Bearer",
                "Bearer ",
                "Basic dXNlcjpwYXNz",
                "bearer",
                "Bearer sk-nobody-123456",
                "Bearer " + TOKEN + " extra",
                "Token " + TOKEN,
                "Bearer\t" + TOKEN + "x",
                "Bearer " + "a".repeat(600))) {
            cases.add(new Case(
                    "authorization '" + auth.substring(0, Math.min(auth.length(), 30)) + "'",
                    "POST",
                    "/v1/chat/completions",
                    VALID_CHAT.getBytes(StandardCharsets.UTF_8),
                    auth.isEmpty() ? List.of() : List.of("Authorization", auth)));
        }
        // Very long header values.
        cases.add(new Case(
                "20 kB header",
                "POST",
                "/v1/chat/completions",
                VALID_CHAT.getBytes(StandardCharsets.UTF_8),
                List.of("Authorization", bearer(TOKEN), "X-Long", "y".repeat(20_000))));
        cases.add(new Case(
                "20 kB authorization",
                "POST",
                "/v1/chat/completions",
                VALID_CHAT.getBytes(StandardCharsets.UTF_8),
                List.of("Authorization", "Bearer " + "z".repeat(20_000))));
        // Unknown paths and methods.
        for (String path : List.of(
                "/",
                "/v1",
                "/v1/",
                "/v2/chat/completions",
                "/v1/chat",
                "/v1/chat/completions/x",
                "/internal/authz",
                "/v1/models/x",
                "/metrics",
                "/readyz",
                "/%2e%2e/etc/passwd",
                "/v1/chat/completions%00")) {
            cases.add(new Case("GET " + path, "GET", path, null, List.of("Authorization", bearer(TOKEN))));
        }
        for (String method : List.of("GET", "PUT", "DELETE", "PATCH")) {
            for (String path : List.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings")) {
                cases.add(new Case(
                        method + " " + path,
                        method,
                        path,
                        method.equals("GET") || method.equals("DELETE")
                                ? null
                                : VALID_CHAT.getBytes(StandardCharsets.UTF_8),
                        List.of("Authorization", bearer(TOKEN))));
            }
        }
        cases.add(new Case(
                "POST /v1/models",
                "POST",
                "/v1/models",
                "{}".getBytes(StandardCharsets.UTF_8),
                List.of("Authorization", bearer(TOKEN))));
        // Embeddings and completions with bad inputs.
        for (String e : List.of(
                "{\"model\":\"ollama:llama3.2\"}",
                "{\"model\":\"ollama:llama3.2\",\"input\":[]}",
                "{\"model\":\"ollama:llama3.2\",\"input\":[[1,2]]}",
                "{\"model\":\"ollama:llama3.2\",\"input\":5}",
                "{\"model\":\"ollama:llama3.2\",\"input\":\"x\",\"encoding_format\":\"int8\"}",
                "{\"model\":\"ollama:llama3.2\",\"input\":\"x\",\"dimensions\":-3}")) {
            cases.add(new Case(
                    "embeddings " + e,
                    "POST",
                    "/v1/embeddings",
                    e.getBytes(StandardCharsets.UTF_8),
                    List.of("Authorization", bearer(TOKEN))));
        }
        for (String c : List.of(
                "{\"model\":\"ollama:llama3.2\"}",
                "{\"model\":\"ollama:llama3.2\",\"prompt\":[1,2,3]}",
                "{\"model\":\"ollama:llama3.2\",\"prompt\":\"x\",\"echo\":true}",
                "{\"model\":\"ollama:llama3.2\",\"prompt\":\"x\",\"best_of\":2}",
                "{\"model\":\"ollama:llama3.2\",\"prompt\":\"x\",\"n\":3}")) {
            cases.add(new Case(
                    "completions " + c,
                    "POST",
                    "/v1/completions",
                    c.getBytes(StandardCharsets.UTF_8),
                    List.of("Authorization", bearer(TOKEN))));
        }
        return cases;
    }

    /** Values that are legal for a field, which the type generator would otherwise call bad. */
    static boolean acceptable(String field, String v) {
        if (v.equals("null")) {
            return !field.equals("model") && !field.equals("messages");
        }
        return switch (field) {
            case "stream" -> v.equals("true");
            case "temperature", "top_p", "frequency_penalty", "presence_penalty" ->
                v.equals("42") || v.equals("-1") || v.equals("1.5");
            case "seed" -> v.equals("42") || v.equals("-1");
            case "stop" -> v.equals("\"text\"") || v.equals("[]") || v.equals("\"\"");
            case "max_tokens", "max_completion_tokens" -> v.equals("42");
            case "n" -> v.equals("null");
            case "tools" -> v.equals("[]");
            case "stream_options" -> v.equals("{}");
            default -> false;
        };
    }

    @Test
    void everyBadRequestGetsA4xxJsonErrorAndNothingLeaks() throws Exception {
        List<Case> corpus = corpus();
        assertTrue(corpus.size() >= 200, "corpus has " + corpus.size() + " requests");
        long threadsBefore = settledThreads();
        long heapBefore = settledHeap();
        List<String> failures = new ArrayList<>();
        for (Case c : corpus) {
            HttpResponse<String> r;
            try {
                r = send(c);
            } catch (Exception e) {
                failures.add(c.name() + ": " + e);
                continue;
            }
            String problem = check(r);
            if (problem != null) {
                failures.add(c.name() + ": " + problem);
            }
        }
        assertEquals(List.of(), failures, failures.size() + " of " + corpus.size() + " requests misbehaved");
        long threadsAfter = settledThreads();
        long heapAfter = settledHeap();
        assertTrue(threadsAfter <= threadsBefore + 10, "threads: " + threadsBefore + " -> " + threadsAfter);
        assertTrue(heapAfter <= heapBefore + 64L * 1024 * 1024, "heap: " + heapBefore + " -> " + heapAfter);
    }

    /** Generated from the translators' own field list: every field, every wrong JSON type, through nginx. */
    @Test
    void everyTranslatedFieldOfAWrongTypeIsA400NamingIt() throws Exception {
        var cases = WrongTypes.cases("ollama:llama3.2");
        gw.ollama.reset();
        List<String> failures = new ArrayList<>();
        for (var c : cases) {
            var r = send(new Case(
                    c.field(),
                    "POST",
                    c.path(),
                    c.body().getBytes(StandardCharsets.UTF_8),
                    List.of("Authorization", bearer(TOKEN))));
            String problem = check(r);
            if (problem == null
                    && (r.statusCode() != 400
                            || !JSON.readTree(r.body())
                                    .at("/error/code")
                                    .asText()
                                    .equals("invalid_" + c.param()))) {
                problem = r.statusCode() + " " + r.body();
            }
            if (problem != null) {
                failures.add(c.path() + " " + c.field() + "=" + c.value() + ": " + problem);
            }
        }
        assertEquals(List.of(), failures, failures.size() + " of " + cases.size() + " requests misbehaved");
        assertTrue(gw.ollama.received().isEmpty(), "a wrong-typed request reached Ollama");
    }

    @Test
    void chunkedBodiesAreFine() throws Exception {
        byte[] body = VALID_CHAT.getBytes(StandardCharsets.UTF_8);
        // No length: the JDK client sends Transfer-Encoding: chunked.
        HttpRequest.BodyPublisher chunked =
                HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArray(body));
        var r = CLIENT.send(
                HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                        .header("Authorization", bearer(TOKEN))
                        .POST(chunked)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    static HttpResponse<String> send(Case c) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url("").toString() + c.path()))
                .timeout(Duration.ofSeconds(15));
        for (int i = 0; i < c.headers().size(); i += 2) {
            b.header(c.headers().get(i), c.headers().get(i + 1));
        }
        b.method(
                c.method(),
                c.body() == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(c.body()));
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Null when the answer is a 4xx with an OpenAI-shaped JSON error. */
    static String check(HttpResponse<String> r) {
        if (r.statusCode() < 400 || r.statusCode() >= 500) {
            return "status " + r.statusCode() + " " + r.body();
        }
        if (!r.headers().firstValue("content-type").orElse("").startsWith("application/json")) {
            return "content-type " + r.headers().firstValue("content-type") + " " + r.body();
        }
        try {
            JsonNode e = JSON.readTree(r.body()).path("error");
            if (!e.path("message").isTextual() || !e.has("type") || !e.has("param") || !e.has("code")) {
                return "not an OpenAI error: " + r.body();
            }
            if (r.body().contains("Exception") || r.body().contains("\tat ")) {
                return "a stack trace: " + r.body();
            }
        } catch (Exception ex) {
            return "not JSON: " + r.body();
        }
        return null;
    }

    static long settledThreads() throws InterruptedException {
        Thread.sleep(500);
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    static long settledHeap() throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
