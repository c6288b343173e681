package dev.llmproxy.translate;

import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.contract.OpenAiError;

/** A request the translation refuses: a 400 naming the parameter, as OpenAI does. */
public final class InvalidRequest extends RuntimeException {
    private final transient OpenAiError error;

    public InvalidRequest(String param, String message) {
        super(message, null, false, false);
        this.error = ErrorCode.INVALID_FIELD.error(param.replaceAll("[^a-z_].*", ""), message);
    }

    public OpenAiError error() {
        return error;
    }
}
