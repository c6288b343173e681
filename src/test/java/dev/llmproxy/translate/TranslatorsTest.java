package dev.llmproxy.translate;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.ollama.OllamaWire;
import dev.llmproxy.support.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TranslatorsTest {
    static JsonNode json(String s) throws Exception {
        return Json.MAPPER.readTree(s);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"messages\":[]}|messages must be a non-empty array",
                "{}|messages must be a non-empty array",
                "{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}|role must be",
                "{\"messages\":[{\"role\":\"user\"}]}|messages[0].content is required",
                "{\"messages\":[{\"role\":\"user\",\"content\":42}]}|must be a string or an array",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/cat.png\"}}]}]}|image URLs are not supported",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":\"file:///etc/passwd\"}]}]}|invalid image",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]}|type must be text, image_url or input_audio",
                "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{oops\"}}]}]}|arguments must be a JSON object",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":2}|n must be 1",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}|temperature must be a number",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":[1]}|stop must be a string or an array of strings",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"}|stream must be a boolean",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"xml\"}}|response_format.type must be",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}|max_tokens must be at least 1",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":{}}|tools must be an array",
            })
    void chatRequestsThatCannotBeHonouredAre400(String body, String message) throws Exception {
        var e = assertThrows(InvalidRequest.class, () -> ChatRequests.translate(json(body), "m"));
        assertEquals(400, e.error().status());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void nonStreamedChatAnswer() {
        var answer = new OllamaWire.Chunk(
                "llama3.2",
                "2026-11-30T10:00:00Z",
                new OllamaWire.Message(
                        "assistant",
                        "",
                        "hmm",
                        null,
                        List.of(new OllamaWire.ToolCall(
                                null,
                                new OllamaWire.Function(
                                        0,
                                        "get_weather",
                                        Json.MAPPER.createObjectNode().put("city", "Paris")))),
                        null,
                        null),
                null,
                null,
                true,
                "stop",
                10L,
                5L,
                null);
        var c = ChatResponses.completion(answer, "chatcmpl-1", 1L, "ollama:llama3.2");
        assertEquals("tool_calls", c.choices().get(0).finishReason());
        var call = c.choices().get(0).message().toolCalls().get(0);
        assertTrue(call.id().startsWith("call_"));
        assertNull(call.index());
        assertEquals("{\"city\":\"Paris\"}", call.function().arguments());
        assertEquals("hmm", c.choices().get(0).message().reasoning());
        assertEquals(15, c.usage().totalTokens());
    }

    @Test
    void idsAreUnique() {
        var seen = new java.util.HashSet<String>();
        for (int i = 0; i < 10_000; i++) {
            assertTrue(seen.add(Ids.chat()));
        }
    }

    @Test
    void completionPromptsOnePerChoiceAndRefusals() throws Exception {
        var call = CompletionRequests.translate(
                json("{\"prompt\":[\"a\",\"b\"],\"suffix\":\"z\",\"max_tokens\":3,\"stream\":true}"), "m");
        assertEquals(2, call.requests().size());
        assertEquals("b", call.requests().get(1).prompt());
        assertEquals("z", call.requests().get(0).suffix());
        assertEquals(3L, call.requests().get(0).options().get("num_predict"));
        for (String bad : List.of(
                "{}",
                "{\"prompt\":[1,2]}",
                "{\"prompt\":\"x\",\"echo\":true}",
                "{\"prompt\":\"x\",\"best_of\":3}",
                "{\"prompt\":[]}")) {
            assertThrows(InvalidRequest.class, () -> CompletionRequests.translate(json(bad), "m"), bad);
        }
        var answers = List.of(
                new OllamaWire.Chunk("m", null, null, "one", null, true, "stop", 3L, 1L, null),
                new OllamaWire.Chunk("m", null, null, "two", null, true, "length", 4L, 2L, null));
        var c = CompletionResponses.completion(answers, "cmpl-1", 1L, "ollama:m");
        assertEquals(
                List.of("one", "two"), c.choices().stream().map(t -> t.text()).toList());
        assertEquals(1, c.choices().get(1).index());
        assertEquals("length", c.choices().get(1).finishReason());
        assertEquals(10, c.usage().totalTokens());
    }

    @Test
    void embeddingsFloatAndLittleEndianBase64() throws Exception {
        var call = Embeddings.translate(
                json("{\"input\":[\"a\",\"b\"],\"dimensions\":2,\"encoding_format\":\"base64\"}"), "m");
        assertEquals(List.of("a", "b"), call.request().input());
        assertEquals(2, call.request().dimensions());
        assertTrue(call.base64());
        var answer = new OllamaWire.EmbedResponse("m", List.of(List.of(0.5f, -1.25f), List.of(3f, 0f)), 4L);
        var list = Embeddings.response(answer, "ollama:m", true);
        byte[] raw = Base64.getDecoder().decode((String) list.data().get(0).embedding());
        var buf = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0.5f, buf.getFloat());
        assertEquals(-1.25f, buf.getFloat());
        assertEquals(
                List.of(0.5f, -1.25f),
                Embeddings.response(answer, "ollama:m", false).data().get(0).embedding());
        assertEquals(4, list.usage().promptTokens());
        for (String bad : List.of(
                "{}", "{\"input\":[]}", "{\"input\":[[1,2]]}", "{\"input\":\"x\",\"encoding_format\":\"int8\"}")) {
            assertThrows(InvalidRequest.class, () -> Embeddings.translate(json(bad), "m"), bad);
        }
    }
}
