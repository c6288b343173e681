package dev.llmproxy.robust;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.openai.ModelField;
import dev.llmproxy.support.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The model peek and rewrite against a real JSON parser, over generated bodies: the top-level {@code model}
 * anywhere among other fields, {@code "model"} keys nested before and after it, strings full of escapes and
 * of text that looks like JSON, non-ASCII, and numbers whose spelling must survive ({@code 1.0}, 20 digits,
 * exponents). nginx's rewrite is the template's own regular expression, read from the file.
 */
class ModelRewritePropertiesTest {
    /** The rewrite's pattern as nginx compiles it: the map key in the template, without its quoting. */
    static final Pattern NGINX_REWRITE = Pattern.compile(templateRegex());

    static String templateRegex() {
        try {
            String template = Files.readString(Path.of("nginx/nginx.conf.template"));
            Matcher m = Pattern.compile("map \\$request_body \\$llm_rewritten_body \\{\\s*\"~((?:[^\"\\\\]|\\\\.)*)\"")
                    .matcher(template);
            assertTrue(m.find(), "the rewrite map is in the template");
            // nginx's quoted strings: \" \\ \t \r \n are escapes, anything else after a backslash stays as it is.
            return m.group(1)
                    .replace("\\\"", "\"")
                    .replace("\\t", "\t")
                    .replace("\\r", "\r")
                    .replace("\\n", "\n")
                    .replace("\\\\", "\\");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** What nginx sends when the sidecar hands the call to @llm_vllm_rewritten; null when its expression does not match. */
    static String nginxRewrite(String body, String name) {
        Matcher m = NGINX_REWRITE.matcher(body);
        return m.matches() ? m.group("bodyhead") + "\"" + name + "\"" + m.group("bodytail") : null;
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40),
                Arbitraries.of(
                        "\"model\": \"vllm:evil\"",
                        "{\"model\":\"x\"}",
                        "\\",
                        "\"",
                        "model",
                        "\u00e9\u4e2d\ud83d\ude00",
                        "\n\t\r",
                        "\\\"model\\\":\\\"vllm:evil\\\"",
                        "x\"model"));
    }

    @Provide
    Arbitrary<String> numbers() {
        return Arbitraries.of(
                "1.0",
                "12345678901234567890",
                "-0.0",
                "1e400",
                "2.50E-3",
                "0",
                "3.14159265358979323846264338327950288");
    }

    @Provide
    Arbitrary<String> models() {
        return Arbitraries.of(
                "vllm:llama3", "llama3", "vllm:meta-llama/Llama-3.1-8B-Instruct", "ollama:qwen3:0.6b", "vllm:a", "x");
    }

    /** One generated field: its raw JSON text (kept as written, so numbers keep their spelling). */
    @Provide
    Arbitrary<String> fields() {
        Arbitrary<String> key = Arbitraries.of(
                "messages", "metadata", "tools", "user", "seed", "temperature", "model_info", "x\"model");
        Arbitrary<String> nestedModel = Combinators.combine(texts(), models())
                .as((t, m) ->
                        "{\"model\":" + Json.MAPPER.valueToTree(m) + ",\"note\":" + Json.MAPPER.valueToTree(t) + "}");
        Arbitrary<String> value = Arbitraries.oneOf(
                texts().map(t -> Json.MAPPER.valueToTree(t).toString()),
                numbers(),
                nestedModel,
                texts().map(t -> "[{\"role\":\"user\",\"content\":" + Json.MAPPER.valueToTree(t) + "}]"),
                nestedModel.map(n -> "[" + n + "," + n + "]"));
        return Combinators.combine(key, value).as((k, v) -> Json.MAPPER.valueToTree(k) + ":" + v);
    }

    /** Up to four fields (their keys may repeat: JSON allows it, and parsers take the last). */
    @Provide
    Arbitrary<List<String>> fieldLists() {
        return fields().list().ofMaxSize(4);
    }

    @Property(tries = 2000)
    void theTopLevelModelIsFoundAndRewrittenByteExactly(
            @ForAll("models") String model,
            @ForAll("fieldLists") List<String> before,
            @ForAll("fieldLists") List<String> after,
            @ForAll boolean spaces)
            throws Exception {
        List<String> parts = new ArrayList<>(before.subList(0, Math.min(4, before.size())));
        parts.add("\"model\"" + (spaces ? " :\n " : ":") + Json.MAPPER.valueToTree(model));
        parts.addAll(after.subList(0, Math.min(4, after.size())));
        String body = "{" + String.join(spaces ? ", " : ",", parts) + "}";
        JsonNode parsed = Json.MAPPER.readTree(body);

        ModelField field = ModelField.read(body.getBytes(StandardCharsets.UTF_8));
        assertEquals(parsed.path("model").textValue(), field.model(), body);

        String name = "upstream-name";
        String expected = new String(field.withModel(name), StandardCharsets.UTF_8);
        JsonNode rewritten = Json.MAPPER.readTree(expected);
        ((ObjectNode) parsed).put("model", name);
        assertEquals(parsed, rewritten, "only the model changed");
        assertEquals(
                body.length() - Json.MAPPER.valueToTree(model).toString().length() + name.length() + 2,
                expected.length(),
                "no other byte moved");

        if (field.firstModelKeyIsTopLevel()) {
            assertEquals(expected, nginxRewrite(body, name), "nginx's expression rewrites exactly the top-level value");
        } else {
            assertNotEquals(
                    expected, nginxRewrite(body, name), "the sidecar relays exactly the calls nginx would get wrong");
        }
    }
}
