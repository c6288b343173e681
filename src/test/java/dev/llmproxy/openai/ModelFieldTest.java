package dev.llmproxy.openai;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelFieldTest {
    static ModelField read(String json) throws ModelField.Invalid {
        return ModelField.read(json.getBytes(StandardCharsets.UTF_8));
    }

    static String rewrite(String json, String name) throws ModelField.Invalid {
        return new String(read(json).withModel(name), StandardCharsets.UTF_8);
    }

    @Test
    void rewritesOnlyTheModelValue() throws Exception {
        String body =
                "{ \"temperature\" : 1.0, \"seed\": 12345678901234567890,\n \"model\" :\t\"vllm:llama3\", \"x\":\"vllm:llama3\"}";
        assertEquals(body.replace(":\t\"vllm:llama3\"", ":\t\"llama3\""), rewrite(body, "llama3"));
    }

    @Test
    void nestedModelKeysAreNotTheModel() throws Exception {
        String body = "{\"metadata\":{\"model\":\"ollama:other\"},\"model\":\"vllm:llama3\"}";
        assertEquals("vllm:llama3", read(body).model());
        assertEquals("{\"metadata\":{\"model\":\"ollama:other\"},\"model\":\"llama3\"}", rewrite(body, "llama3"));
    }

    @Test
    void lastDuplicateWinsLikeJsonParse() throws Exception {
        assertEquals(
                "vllm:b", read("{\"model\":\"ollama:a\",\"model\":\"vllm:b\"}").model());
        assertEquals(
                "{\"model\":\"ollama:a\",\"model\":\"b\"}",
                rewrite("{\"model\":\"ollama:a\",\"model\":\"vllm:b\"}", "b"));
    }

    @Test
    void escapedModelLiteralIsReplacedWhole() throws Exception {
        assertEquals("{\"model\":\"llama3\",\"n\":1}", rewrite("{\"model\":\"vllm\\u003allama3\",\"n\":1}", "llama3"));
    }

    @Test
    void multiByteTextAroundTheModelIsKept() throws Exception {
        String body = "{\"messages\":[{\"content\":\"héllo 😀\"}],\"model\":\"vllm:m\"}";
        assertEquals(body.replace("vllm:m", "m"), rewrite(body, "m"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "{",
                "{\"model\":",
                "[1]",
                "\"model\"",
                "{\"model\":\"x\"} trailing",
                "{\"model\":\"x\",}",
                "null"
            })
    void invalidJson(String body) {
        var e = assertThrows(ModelField.Invalid.class, () -> read(body));
        assertEquals("invalid_json", e.error().code());
        assertEquals(400, e.error().status());
    }

    /** JSON on the wire is UTF-8; a UTF-16 or UTF-32 body has no byte offsets to rewrite at (it once made a 500). */
    @Test
    void onlyUtf8IsJson() {
        for (var charset : java.util.List.of(
                java.nio.charset.StandardCharsets.UTF_16BE,
                java.nio.charset.StandardCharsets.UTF_16LE,
                java.nio.charset.Charset.forName("UTF-32BE"))) {
            var e = assertThrows(
                    ModelField.Invalid.class, () -> ModelField.read("{\"model\":\"vllm:llama3\"}".getBytes(charset)));
            assertEquals("invalid_json", e.error().code(), charset.name());
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{}|missing_model",
                "{\"model\":null}|missing_model",
                "{\"model\":\"\"}|missing_model",
                "{\"model\":42}|invalid_model",
                "{\"model\":[\"x\"]}|invalid_model",
                "{\"model\":\"has space\"}|invalid_model",
                "{\"model\":\"a\\nb\"}|invalid_model",
                "{\"model\":\"quote\\\"d\"}|invalid_model",
                "{\"model\":\"ünïcode\"}|invalid_model",
            })
    void modelRules(String body, String code) {
        assertEquals(
                code,
                assertThrows(ModelField.Invalid.class, () -> read(body)).error().code());
    }

    @org.junit.jupiter.api.Test
    void aStreamedCallIsATopLevelStreamTrue() throws Exception {
        assertTrue(ModelField.read("{\"model\":\"m\",\"stream\":true}".getBytes()).stream());
        assertFalse(ModelField.read("{\"model\":\"m\",\"stream\":false}".getBytes()).stream());
        assertFalse(ModelField.read("{\"model\":\"m\",\"stream\":\"true\"}".getBytes()).stream());
        assertFalse(ModelField.read("{\"model\":\"m\",\"x\":{\"stream\":true}}".getBytes()).stream(), "nested");
        assertFalse(
                ModelField.read("{\"model\":\"m\",\"stream\":true,\"stream\":false}".getBytes()).stream(),
                "the last wins");
    }
}
