package dev.llmproxy.translate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The fields each translator reads and the JSON types each accepts: the one list that the translators check a
 * request against before reading it, and that the tests generate wrong-typed requests from. {@code null} is
 * accepted everywhere and means absent, as in OpenAI's API; whether a field is required, and which values of
 * the right type are allowed, the translator decides while reading it.
 */
public final class FieldTypes {
    /** The JSON types a field may have. {@code INTEGER} is also a {@code NUMBER}. */
    public enum Type {
        STRING("a string"),
        BOOLEAN("a boolean"),
        INTEGER("an integer"),
        NUMBER("a number"),
        ARRAY("an array"),
        OBJECT("an object");

        private final String article;

        Type(String article) {
            this.article = article;
        }

        public boolean matches(JsonNode v) {
            return switch (this) {
                case STRING -> v.isTextual();
                case BOOLEAN -> v.isBoolean();
                case INTEGER -> v.isIntegralNumber() && v.canConvertToLong();
                case NUMBER -> v.isNumber();
                case ARRAY -> v.isArray();
                case OBJECT -> v.isObject();
            };
        }
    }

    private static final Set<Type> STRING = EnumSet.of(Type.STRING);
    private static final Set<Type> BOOLEAN = EnumSet.of(Type.BOOLEAN);
    private static final Set<Type> INTEGER = EnumSet.of(Type.INTEGER);
    private static final Set<Type> NUMBER = EnumSet.of(Type.NUMBER);
    private static final Set<Type> ARRAY = EnumSet.of(Type.ARRAY);
    private static final Set<Type> OBJECT = EnumSet.of(Type.OBJECT);
    private static final Set<Type> STRING_OR_ARRAY = EnumSet.of(Type.STRING, Type.ARRAY);
    private static final Set<Type> STRING_OR_OBJECT = EnumSet.of(Type.STRING, Type.OBJECT);

    /** Read by both chat and completions. */
    private static final Map<String, Set<Type>> SAMPLING = fields(
            "stream",
            BOOLEAN,
            "stream_options",
            OBJECT,
            "n",
            INTEGER,
            "temperature",
            NUMBER,
            "top_p",
            NUMBER,
            "frequency_penalty",
            NUMBER,
            "presence_penalty",
            NUMBER,
            "seed",
            INTEGER,
            "stop",
            STRING_OR_ARRAY,
            "max_tokens",
            INTEGER,
            "max_completion_tokens",
            INTEGER,
            "response_format",
            OBJECT,
            "reasoning_effort",
            STRING,
            "reasoning",
            OBJECT);

    public static final Map<String, Set<Type>> CHAT =
            with(SAMPLING, "messages", ARRAY, "tools", ARRAY, "tool_choice", STRING_OR_OBJECT);
    /** Each element of {@code messages}. */
    public static final Map<String, Set<Type>> CHAT_MESSAGE = fields(
            "role",
            STRING,
            "content",
            STRING_OR_ARRAY,
            "name",
            STRING,
            "tool_call_id",
            STRING,
            "tool_calls",
            ARRAY,
            "reasoning",
            STRING,
            "reasoning_content",
            STRING);
    /** Each element of an assistant message's {@code tool_calls}, and its {@code function}. */
    public static final Map<String, Set<Type>> TOOL_CALL = fields("id", STRING, "type", STRING, "function", OBJECT);

    public static final Map<String, Set<Type>> TOOL_CALL_FUNCTION = fields("name", STRING, "arguments", STRING);
    public static final Map<String, Set<Type>> COMPLETIONS =
            with(SAMPLING, "prompt", STRING_OR_ARRAY, "suffix", STRING, "echo", BOOLEAN, "best_of", INTEGER);
    public static final Map<String, Set<Type>> EMBEDDINGS =
            fields("input", STRING_OR_ARRAY, "encoding_format", STRING, "dimensions", INTEGER);

    private FieldTypes() {}

    /**
     * Refuses the first field of {@code object} whose type the list does not accept, with a 400 naming it.
     * {@code param} is the request parameter reported (the field itself at top level), {@code where} the path
     * to the object in messages ("" at top level).
     */
    static void check(JsonNode object, Map<String, Set<Type>> fields, String param, String where) {
        for (var field : fields.entrySet()) {
            JsonNode v = object.get(field.getKey());
            if (v != null && !v.isNull() && field.getValue().stream().noneMatch(t -> t.matches(v))) {
                String name = where + field.getKey();
                throw new InvalidRequest(
                        param == null ? field.getKey() : param, name + " must be " + describe(field.getValue()) + ".");
            }
        }
    }

    static void check(JsonNode body, Map<String, Set<Type>> fields) {
        check(body, fields, null, "");
    }

    private static String describe(Set<Type> types) {
        return types.stream().map(t -> t.article).collect(Collectors.joining(" or "));
    }

    private static Map<String, Set<Type>> fields(Object... pairs) {
        Map<String, Set<Type>> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            @SuppressWarnings("unchecked")
            Set<Type> types = (Set<Type>) pairs[i + 1];
            m.put((String) pairs[i], types);
        }
        return Collections.unmodifiableMap(m);
    }

    private static Map<String, Set<Type>> with(Map<String, Set<Type>> base, Object... pairs) {
        Map<String, Set<Type>> m = new LinkedHashMap<>(base);
        m.putAll(fields(pairs));
        return Collections.unmodifiableMap(m);
    }
}
