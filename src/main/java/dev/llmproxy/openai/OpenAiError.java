package dev.llmproxy.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An error as OpenAI's API shapes it: {@code {"error":{"message","type","param","code"}}}, with the HTTP
 * status that goes with it. The one place the gateway's error bodies are rendered.
 */
public record OpenAiError(int status, String type, String code, String message) {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Body(Detail error) {}

    private record Detail(String message, String type, String param, String code) {}

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(new Body(new Detail(message, type, null, code)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static OpenAiError invalidJson() {
        return new OpenAiError(400, "invalid_request_error", "invalid_json",
                "We could not parse the JSON body of your request. It must be a JSON object.");
    }

    public static OpenAiError missingModel() {
        return new OpenAiError(400, "invalid_request_error", "missing_model", "You must provide a model parameter.");
    }

    public static OpenAiError invalidModel() {
        return new OpenAiError(400, "invalid_request_error", "invalid_model",
                "The model parameter must be 1-256 printable ASCII characters without spaces, quotes or backslashes.");
    }

    public static OpenAiError unauthorized(String message) {
        return new OpenAiError(401, "invalid_request_error", "invalid_api_key", message);
    }

    public static OpenAiError forbidden(String code, String message) {
        return new OpenAiError(403, "permission_error", code, message);
    }

    public static OpenAiError rateLimited(String message) {
        return new OpenAiError(429, "requests", "rate_limit_exceeded", message);
    }

    public static OpenAiError notFound(String method, String path) {
        return new OpenAiError(404, "invalid_request_error", "unknown_url", "Unknown request URL: " + method + " " + path + ".");
    }

    public static OpenAiError methodNotAllowed(String method, String path) {
        return new OpenAiError(405, "invalid_request_error", "method_not_allowed", "Method " + method + " is not allowed on " + path + ".");
    }

    public static OpenAiError bodyTooLarge(long max) {
        return new OpenAiError(413, "invalid_request_error", "request_too_large", "Request body is larger than " + max + " bytes.");
    }

    public static OpenAiError backendUnavailable(String message) {
        return new OpenAiError(502, "server_error", "backend_unavailable", message);
    }

    public static OpenAiError backendTimeout(String message) {
        return new OpenAiError(504, "server_error", "backend_timeout", message);
    }

    public static OpenAiError storeUnavailable() {
        return new OpenAiError(503, "server_error", "rate_limit_store_unavailable",
                "The gateway cannot check rate limits right now. Please retry.");
    }

    /** An error the HTTP server raised on its own, before or outside the gateway's handlers. */
    public static OpenAiError forStatus(int status) {
        return switch (status) {
            case 400 -> new OpenAiError(400, "invalid_request_error", "bad_request", "Bad request.");
            case 404 -> new OpenAiError(404, "invalid_request_error", "unknown_url", "Unknown request URL.");
            case 405 -> new OpenAiError(405, "invalid_request_error", "method_not_allowed", "Method not allowed on this URL.");
            case 408 -> new OpenAiError(408, "invalid_request_error", "request_timeout", "The request was not received in time.");
            case 413 -> new OpenAiError(413, "invalid_request_error", "request_too_large", "Request body is too large.");
            case 414 -> new OpenAiError(414, "invalid_request_error", "uri_too_long", "The request URL is too long.");
            case 417 -> new OpenAiError(417, "invalid_request_error", "expectation_failed", "Only the Expect value 100-continue is supported.");
            case 431 -> new OpenAiError(431, "invalid_request_error", "headers_too_large", "The request headers are too large.");
            case 501 -> new OpenAiError(501, "invalid_request_error", "not_implemented",
                    "The request uses a transfer coding the gateway does not support.");
            case 426, 505 -> new OpenAiError(status, "invalid_request_error", "unsupported_protocol", "Only HTTP/1.1 and HTTP/1.0 are supported.");
            // The same code nginx gives when it cannot reach the sidecar: Jetty's 503 is the sidecar stopping.
            case 503 -> new OpenAiError(503, "server_error", "authz_unavailable", "The gateway cannot decide calls right now (it is restarting). Please retry.");
            default -> status >= 500 ? new OpenAiError(status, "server_error", "internal_error", "The gateway failed to handle the request.")
                    : new OpenAiError(status, "invalid_request_error", "bad_request", "Bad request.");
        };
    }

    public static OpenAiError internal() {
        return new OpenAiError(500, "server_error", "internal_error", "The gateway failed to handle the request.");
    }
}
