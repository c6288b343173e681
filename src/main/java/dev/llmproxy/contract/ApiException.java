package dev.llmproxy.contract;

import java.util.Map;

/** An error answer with its headers: thrown wherever the call is refused or fails, rendered by one exception mapper. */
public final class ApiException extends RuntimeException {
    private final transient OpenAiError error;
    private final Map<String, String> headers;

    public ApiException(OpenAiError error) {
        this(error, Map.of());
    }

    public ApiException(OpenAiError error, Map<String, String> headers) {
        super(error.message(), null, false, false);
        this.error = error;
        this.headers = headers;
    }

    public OpenAiError error() {
        return error;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
