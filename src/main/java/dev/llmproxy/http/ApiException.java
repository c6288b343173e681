package dev.llmproxy.http;

import dev.llmproxy.openai.OpenAiError;
import java.util.Map;

/** Thrown by handlers; rendered by one exception mapper as OpenAI-shaped JSON with these headers. */
final class ApiException extends RuntimeException {
    private final transient OpenAiError error;
    private final Map<String, String> headers;

    ApiException(OpenAiError error) {
        this(error, Map.of());
    }

    ApiException(OpenAiError error, Map<String, String> headers) {
        super(error.message(), null, false, false);
        this.error = error;
        this.headers = headers;
    }

    OpenAiError error() {
        return error;
    }

    Map<String, String> headers() {
        return headers;
    }
}
