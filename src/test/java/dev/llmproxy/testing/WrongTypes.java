package dev.llmproxy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.support.Json;
import dev.llmproxy.translate.FieldTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Requests with one field of a wrong JSON type, generated from {@link FieldTypes}: for every field each
 * translator reads, every value of the palette whose type that field does not accept. A field added to the
 * list is covered without touching the tests.
 */
public final class WrongTypes {
    /** One value of each JSON type but null, which always means absent. */
    static final List<String> PALETTE = List.of("42", "1.5", "\"text\"", "true", "[1]", "{\"a\":1}");

    /** Where a list's fields live: in a valid request to {@code path}, the object at {@code pointer}. */
    public record Place(
            String path, String validBody, String pointer, Map<String, Set<FieldTypes.Type>> fields, boolean nested) {}

    /** A request whose {@code field} has a wrong type; a 400 must name {@code param} (the field, or "messages" inside them). */
    public record Case(String path, String field, String value, String param, String body) {}

    public static final List<Place> PLACES = List.of(
            new Place(
                    "/v1/chat/completions",
                    "{\"model\":\"M\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                    "",
                    FieldTypes.CHAT,
                    false),
            new Place(
                    "/v1/chat/completions",
                    "{\"model\":\"M\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                    "/messages/0",
                    FieldTypes.CHAT_MESSAGE,
                    true),
            new Place(
                    "/v1/chat/completions",
                    "{\"model\":\"M\",\"messages\":[{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":"
                            + "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}]}",
                    "/messages/0/tool_calls/0",
                    FieldTypes.TOOL_CALL,
                    true),
            new Place(
                    "/v1/chat/completions",
                    "{\"model\":\"M\",\"messages\":[{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":"
                            + "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}]}",
                    "/messages/0/tool_calls/0/function",
                    FieldTypes.TOOL_CALL_FUNCTION,
                    true),
            new Place("/v1/completions", "{\"model\":\"M\",\"prompt\":\"Hi\"}", "", FieldTypes.COMPLETIONS, false),
            new Place("/v1/embeddings", "{\"model\":\"M\",\"input\":\"Hi\"}", "", FieldTypes.EMBEDDINGS, false));

    private WrongTypes() {}

    /** Every wrong-typed request, its model set to {@code model}. */
    public static List<Case> cases(String model) {
        List<Case> out = new ArrayList<>();
        for (Place place : PLACES) {
            for (var field : place.fields().entrySet()) {
                for (String value : PALETTE) {
                    JsonNode v = parse(value);
                    if (field.getValue().stream().anyMatch(t -> t.matches(v))) {
                        continue;
                    }
                    JsonNode body = parse(place.validBody()
                            .replace("\"M\"", Json.MAPPER.valueToTree(model).toString()));
                    ((ObjectNode) body.at(place.pointer())).set(field.getKey(), v);
                    out.add(new Case(
                            place.path(),
                            place.pointer() + "/" + field.getKey(),
                            value,
                            place.nested() ? "messages" : field.getKey(),
                            body.toString()));
                }
            }
        }
        return out;
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
