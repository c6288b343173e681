package dev.llmproxy.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.llmproxy.routing.ModelRef;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The top-level {@code "model"} of a JSON request body, found with a streaming parse that validates the
 * whole document but builds no tree. {@link #withModel} rewrites just that value and keeps every other
 * byte, so numbers like {@code 1.0} or a 20-digit {@code seed} reach the backend exactly as sent. Like
 * JSON.parse (and the Python servers behind us), the last of duplicate keys wins.
 */
public final class ModelField {
    private static final JsonFactory FACTORY = new JsonFactory();

    private final byte[] body;
    private final String model;
    private final int valueStart;
    private final int valueEnd;

    private ModelField(byte[] body, String model, int valueStart, int valueEnd) {
        this.body = body;
        this.model = model;
        this.valueStart = valueStart;
        this.valueEnd = valueEnd;
    }

    /** Thrown for a body that is not a JSON object with a string {@code model}. */
    public static final class Invalid extends Exception {
        private final transient OpenAiError error;

        Invalid(OpenAiError error) {
            super(error.message(), null, false, false);
            this.error = error;
        }

        public OpenAiError error() {
            return error;
        }
    }

    public static ModelField read(byte[] body) throws Invalid {
        String model = null;
        boolean modelNotString = false;
        int start = -1;
        int end = -1;
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new Invalid(OpenAiError.invalidJson());
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                boolean isModel = "model".equals(p.currentName());
                JsonToken value = p.nextToken();
                if (isModel && value == JsonToken.VALUE_STRING) {
                    start = (int) p.currentTokenLocation().getByteOffset();
                    model = p.getText();
                    end = (int) p.currentLocation().getByteOffset();
                    modelNotString = false;
                } else if (isModel) {
                    modelNotString = value != JsonToken.VALUE_NULL;
                    model = null;
                    p.skipChildren();
                } else {
                    p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new Invalid(OpenAiError.invalidJson());
            }
        } catch (IOException e) {
            throw new Invalid(OpenAiError.invalidJson());
        }
        if (modelNotString) {
            throw new Invalid(OpenAiError.invalidModel());
        }
        if (model == null || model.isEmpty()) {
            throw new Invalid(OpenAiError.missingModel());
        }
        if (!ModelRef.isValid(model)) {
            throw new Invalid(OpenAiError.invalidModel());
        }
        return new ModelField(body, model, start, end);
    }

    public String model() {
        return model;
    }

    public byte[] body() {
        return body;
    }

    /** The body with {@code model} set to {@code name}; every other byte unchanged. */
    public byte[] withModel(String name) {
        if (name.equals(model)) {
            return body;
        }
        // name is a suffix of a validated model: no quote or backslash, so it needs no escaping.
        byte[] literal = ('"' + name + '"').getBytes(StandardCharsets.UTF_8);
        var out = new ByteArrayOutputStream(body.length);
        out.write(body, 0, valueStart);
        out.write(literal, 0, literal.length);
        out.write(body, valueEnd, body.length - valueEnd);
        return out.toByteArray();
    }
}
