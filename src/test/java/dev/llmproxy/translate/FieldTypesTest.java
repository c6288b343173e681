package dev.llmproxy.translate;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.support.Json;
import dev.llmproxy.testing.WrongTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** Every field the translators read refuses a value of the wrong JSON type with a 400 that names it. */
class FieldTypesTest {
    static BiConsumer<JsonNode, String> translator(String path) {
        return switch (path) {
            case "/v1/chat/completions" -> ChatRequests::translate;
            case "/v1/completions" -> CompletionRequests::translate;
            case "/v1/embeddings" -> Embeddings::translate;
            default -> throw new IllegalArgumentException(path);
        };
    }

    @Test
    void theValidBodiesTranslate() throws Exception {
        for (var place : WrongTypes.PLACES) {
            translator(place.path()).accept(Json.MAPPER.readTree(place.validBody()), "m");
        }
    }

    @Test
    void everyWrongTypeIsA400NamingTheField() throws Exception {
        var cases = WrongTypes.cases("m");
        assertTrue(cases.size() > 150, cases.size() + " cases");
        List<String> wrong = new ArrayList<>();
        for (var c : cases) {
            try {
                translator(c.path()).accept(Json.MAPPER.readTree(c.body()), "m");
                wrong.add(c.field() + "=" + c.value() + " was accepted");
            } catch (InvalidRequest e) {
                String leaf = c.field().substring(c.field().lastIndexOf('/') + 1);
                if (e.error().status() != 400
                        || !e.error().code().equals("invalid_" + c.param())
                        || !e.getMessage().contains(leaf)) {
                    wrong.add(c.field() + "=" + c.value() + ": " + e.error());
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void toolChoiceValuesAreChecked() throws Exception {
        String chat =
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":%s}";
        for (String ok : List.of(
                "\"none\"",
                "\"auto\"",
                "\"required\"",
                "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}",
                "null")) {
            ChatRequests.translate(Json.MAPPER.readTree(chat.formatted(ok)), "m");
        }
        assertNull(ChatRequests.translate(Json.MAPPER.readTree(chat.formatted("\"none\"")), "m")
                .request()
                .tools());
        for (String bad : List.of("\"sometimes\"", "{}", "{\"type\":\"function\"}", "{\"function\":{\"name\":3}}")) {
            var e = assertThrows(
                    InvalidRequest.class,
                    () -> ChatRequests.translate(Json.MAPPER.readTree(chat.formatted(bad)), "m"),
                    bad);
            assertEquals("invalid_tool_choice", e.error().code());
        }
    }
}
