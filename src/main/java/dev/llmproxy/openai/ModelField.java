package dev.llmproxy.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.llmproxy.backends.ModelRef;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.contract.OpenAiError;
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
    private final boolean stream;

    private ModelField(byte[] body, String model, int valueStart, int valueEnd, boolean stream) {
        this.body = body;
        this.model = model;
        this.valueStart = valueStart;
        this.valueEnd = valueEnd;
        this.stream = stream;
    }

    /** Whether the call asks for a streamed answer (a top-level {@code "stream": true}). */
    public boolean stream() {
        return stream;
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
        boolean stream = false;
        try (JsonParser p = FACTORY.createParser(body)) {
            // JSON on the wire is UTF-8 (RFC 8259, 8.1); in UTF-16 or -32, which the parser would also read,
            // there are no byte offsets to rewrite at.
            if (p.nextToken() != JsonToken.START_OBJECT
                    || p.currentTokenLocation().getByteOffset() < 0) {
                throw new Invalid(ErrorCode.INVALID_JSON.error());
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                boolean isModel = "model".equals(p.currentName());
                boolean isStream = "stream".equals(p.currentName());
                JsonToken value = p.nextToken();
                if (isStream) {
                    stream = value == JsonToken.VALUE_TRUE; // the last of duplicate keys wins, as for the model
                    p.skipChildren();
                } else if (isModel && value == JsonToken.VALUE_STRING) {
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
                throw new Invalid(ErrorCode.INVALID_JSON.error());
            }
        } catch (IOException e) {
            throw new Invalid(ErrorCode.INVALID_JSON.error());
        }
        if (modelNotString) {
            throw new Invalid(ErrorCode.INVALID_MODEL.error());
        }
        if (model == null || model.isEmpty()) {
            throw new Invalid(ErrorCode.MISSING_MODEL.error());
        }
        if (!ModelRef.isValid(model)) {
            throw new Invalid(ErrorCode.INVALID_MODEL.error());
        }
        return new ModelField(body, model, start, end, stream);
    }

    /**
     * Whether nginx may write the new name itself (see {@code @llm_vllm_rewritten} in the nginx template): its
     * regular expression takes the first {@code "model"} key with a string value in the raw bytes, wherever it is
     * nested, so it may do so only when that first one is this top-level value. Its rule, repeated here:
     * {@code "model"}, JSON whitespace, {@code :}, JSON whitespace, then a string without quote or backslash.
     */
    public boolean firstModelKeyIsTopLevel() {
        for (int at = indexOf(body, MODEL_KEY, 0); at >= 0; at = indexOf(body, MODEL_KEY, at + 1)) {
            int i = skipWhitespace(body, at + MODEL_KEY.length);
            if (i >= body.length || body[i] != ':') {
                continue;
            }
            i = skipWhitespace(body, i + 1);
            if (i >= body.length || body[i] != '"') {
                continue;
            }
            int end = i + 1;
            while (end < body.length && body[end] != '"' && body[end] != '\\') {
                end++;
            }
            if (end >= body.length || body[end] != '"') {
                continue;
            }
            return i == valueStart && end + 1 == valueEnd;
        }
        return false;
    }

    private static final byte[] MODEL_KEY = "\"model\"".getBytes(StandardCharsets.US_ASCII);

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int skipWhitespace(byte[] b, int i) {
        while (i < b.length && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) {
            i++;
        }
        return i;
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
        byte[] out = new byte[body.length - (valueEnd - valueStart) + literal.length];
        System.arraycopy(body, 0, out, 0, valueStart);
        System.arraycopy(literal, 0, out, valueStart, literal.length);
        System.arraycopy(body, valueEnd, out, valueStart + literal.length, body.length - valueEnd);
        return out;
    }
}
