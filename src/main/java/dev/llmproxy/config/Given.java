package dev.llmproxy.config;

import com.fasterxml.jackson.databind.JsonNode;

/** How a message says what was given for a field that is present but invalid: "got \"Bad Name\"", "got a number". */
final class Given {
    private Given() {}

    /** Absent, or JSON's null: a field that is then "required", not "invalid". */
    static boolean absent(JsonNode n) {
        return n == null || n.isNull();
    }

    /** The text quoted (cut short, control characters replaced), or the JSON type of another value. */
    static String shown(JsonNode n) {
        return n.isTextual() ? "\"" + ConfigLoader.printable(n.textValue()) + "\"" : kind(n);
    }

    /** Only the JSON type: for a value that must not be shown (a URL may hold a password). */
    static String kind(JsonNode n) {
        if (n.isArray()) {
            return n.isEmpty() ? "an empty array" : "an array";
        }
        if (n.isObject()) {
            return "an object";
        }
        if (n.isTextual()) {
            return "a string";
        }
        if (n.isNumber()) {
            return "a number";
        }
        return n.isBoolean() ? "a boolean" : "null";
    }
}
