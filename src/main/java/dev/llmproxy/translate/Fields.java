package dev.llmproxy.translate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Typed reads of an OpenAI request's fields, each failing with a 400 that names the field. */
final class Fields {
    private Fields() {}

    static boolean present(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v != null && !v.isNull();
    }

    static boolean bool(JsonNode body, String field, boolean fallback) {
        if (!present(body, field)) {
            return fallback;
        }
        JsonNode v = body.get(field);
        if (!v.isBoolean()) {
            throw new InvalidRequest(field, field + " must be a boolean.");
        }
        return v.booleanValue();
    }

    static Long integer(JsonNode body, String field) {
        if (!present(body, field)) {
            return null;
        }
        JsonNode v = body.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new InvalidRequest(field, field + " must be an integer.");
        }
        return v.longValue();
    }

    static Number number(JsonNode body, String field) {
        if (!present(body, field)) {
            return null;
        }
        JsonNode v = body.get(field);
        if (!v.isNumber()) {
            throw new InvalidRequest(field, field + " must be a number.");
        }
        return v.numberValue();
    }

    static String string(JsonNode body, String field) {
        if (!present(body, field)) {
            return null;
        }
        JsonNode v = body.get(field);
        if (!v.isTextual()) {
            throw new InvalidRequest(field, field + " must be a string.");
        }
        return v.textValue();
    }

    /** {@code stop}: a string or a list of strings, as a list. */
    static List<String> stop(JsonNode body) {
        if (!present(body, "stop")) {
            return null;
        }
        JsonNode v = body.get("stop");
        if (v.isTextual()) {
            return List.of(v.textValue());
        }
        if (!v.isArray()) {
            throw new InvalidRequest("stop", "stop must be a string or an array of strings.");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : v) {
            if (!s.isTextual()) {
                throw new InvalidRequest("stop", "stop must be a string or an array of strings.");
            }
            out.add(s.textValue());
        }
        return out;
    }

    /** {@code n}, {@code best_of}: Ollama answers one choice per prompt, so only 1 can be honoured. */
    static void onlyOne(JsonNode body, String field) {
        Long n = integer(body, field);
        if (n != null && n != 1) {
            throw new InvalidRequest(field, field + " must be 1: this model server returns one choice per request.");
        }
    }

    /** The sampling fields common to chat and completions, as Ollama's {@code options}. */
    static Map<String, Object> options(JsonNode body) {
        Map<String, Object> o = new LinkedHashMap<>();
        put(o, "temperature", number(body, "temperature"));
        put(o, "top_p", number(body, "top_p"));
        put(o, "seed", integer(body, "seed"));
        put(o, "stop", stop(body));
        put(o, "frequency_penalty", number(body, "frequency_penalty"));
        put(o, "presence_penalty", number(body, "presence_penalty"));
        // max_completion_tokens is OpenAI's current name; Ollama's own layer reads only max_tokens.
        Long max = integer(body, "max_completion_tokens");
        if (max == null) {
            max = integer(body, "max_tokens");
        }
        if (max != null && max < 1) {
            throw new InvalidRequest("max_tokens", "max_tokens must be at least 1.");
        }
        put(o, "num_predict", max);
        return o.isEmpty() ? null : o;
    }

    private static void put(Map<String, Object> o, String key, Object value) {
        if (value != null) {
            o.put(key, value);
        }
    }

    /** {@code reasoning_effort} (or {@code reasoning.effort}) as Ollama's {@code think}. */
    static Object think(JsonNode body) {
        String effort = string(body, "reasoning_effort");
        if (effort == null && body.path("reasoning").isObject()) {
            effort = string(body.path("reasoning"), "effort");
        }
        if (effort == null) {
            return null;
        }
        return switch (effort) {
            case "none" -> Boolean.FALSE;
            case "minimal", "low" -> "low";
            case "medium" -> "medium";
            case "high" -> "high";
            case "xhigh" -> "max";
            default ->
                throw new InvalidRequest(
                        "reasoning_effort", "reasoning_effort must be one of none, minimal, low, medium, high, xhigh.");
        };
    }

    /** {@code stream_options.include_usage}. */
    static boolean includeUsage(JsonNode body) {
        if (!present(body, "stream_options")) {
            return false;
        }
        JsonNode so = body.get("stream_options");
        if (!so.isObject()) {
            throw new InvalidRequest("stream_options", "stream_options must be an object.");
        }
        return bool(so, "include_usage", false);
    }

    /** {@code response_format} as Ollama's {@code format}: "json" or a JSON schema. */
    static JsonNode format(JsonNode body) {
        if (!present(body, "response_format")) {
            return null;
        }
        JsonNode rf = body.get("response_format");
        String type = rf.isObject() ? rf.path("type").asText("") : "";
        return switch (type) {
            case "text" -> null;
            case "json_object" -> com.fasterxml.jackson.databind.node.TextNode.valueOf("json");
            case "json_schema" -> {
                JsonNode schema = rf.path("json_schema").path("schema");
                if (!schema.isObject()) {
                    throw new InvalidRequest(
                            "response_format", "response_format.json_schema.schema must be a JSON schema object.");
                }
                yield schema;
            }
            default ->
                throw new InvalidRequest(
                        "response_format", "response_format.type must be text, json_object or json_schema.");
        };
    }
}
