package dev.llmproxy.contract;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's error catalog: every error the sidecar answers and every error body nginx returns is one of
 * these (nginx's are rendered from here into its config). A {@code {slot}} in a code or message is filled
 * when the error is made: in the sidecar from what happened, in nginx from its configuration. A model
 * backend's own errors are not in the catalog: they are passed on as {@link OpenAiError#relayed}.
 */
public enum ErrorCode {
    BAD_REQUEST(400, Type.INVALID_REQUEST, "bad_request", "Bad request."),
    HTTPS_REQUIRED(400, Type.INVALID_REQUEST, "https_required", "This port speaks HTTPS."),
    INVALID_JSON(
            400,
            Type.INVALID_REQUEST,
            "invalid_json",
            "We could not parse the JSON body of your request. It must be a JSON object."),
    MISSING_MODEL(400, Type.INVALID_REQUEST, "missing_model", "You must provide a model parameter."),
    INVALID_MODEL(
            400,
            Type.INVALID_REQUEST,
            "invalid_model",
            "The model parameter must be 1-256 printable ASCII characters without spaces, quotes or backslashes."),
    /** A field the translation to a backend's API refuses; {@code param} names it, as OpenAI does. */
    INVALID_FIELD(400, Type.INVALID_REQUEST, "invalid_{param}", "{message}"),
    BODY_READ_FAILED(400, Type.INVALID_REQUEST, "body_read_failed", "The request body could not be read."),
    INVALID_API_KEY(401, Type.INVALID_REQUEST, "invalid_api_key", "{reason}"),
    MODEL_NOT_ALLOWED(403, Type.PERMISSION, "model_not_allowed", "The API key '{label}' may not use model '{model}'."),
    UNKNOWN_URL(404, Type.INVALID_REQUEST, "unknown_url", "Unknown request URL."),
    MODEL_NOT_FOUND(404, Type.INVALID_REQUEST, "model_not_found", "The model '{model}' is not served by {backend}."),
    /** An endpoint only OpenAI-type backends serve, asked of another. */
    UNSUPPORTED_ENDPOINT(
            404, Type.INVALID_REQUEST, "unsupported_endpoint", "The {backend} backend does not serve {endpoint}."),
    METHOD_NOT_ALLOWED(405, Type.INVALID_REQUEST, "method_not_allowed", "Method not allowed on this URL."),
    REQUEST_TIMEOUT(408, Type.INVALID_REQUEST, "request_timeout", "The request was not received in time."),
    REQUEST_TOO_LARGE(
            413, Type.INVALID_REQUEST, "request_too_large", "Request body is larger than {max_body_bytes} bytes."),
    URI_TOO_LONG(414, Type.INVALID_REQUEST, "uri_too_long", "The request URL is too long."),
    EXPECTATION_FAILED(
            417, Type.INVALID_REQUEST, "expectation_failed", "Only the Expect value 100-continue is supported."),
    RATE_LIMIT_EXCEEDED(
            429,
            Type.REQUESTS,
            "rate_limit_exceeded",
            "Rate limit reached for '{label}' on {window}: Limit {limit}, Remaining 0. Please try again in {retry_after}."),
    HEADERS_TOO_LARGE(431, Type.INVALID_REQUEST, "headers_too_large", "The request headers are too large."),
    INTERNAL_ERROR(500, Type.SERVER, "internal_error", "The gateway failed to handle the request."),
    NOT_IMPLEMENTED(
            501,
            Type.INVALID_REQUEST,
            "not_implemented",
            "The request uses a transfer coding the gateway does not support."),
    BACKEND_UNAVAILABLE(502, Type.SERVER, "backend_unavailable", "The {backend} backend is unreachable."),
    /** Reached, then failed: an error answer, a broken or unreadable answer, a stream cut short. */
    BACKEND_ERROR(502, Type.SERVER, "backend_error", "The {backend} backend failed: {detail}"),
    /** The sidecar cannot be reached, or is stopping: either way it decides no call now. */
    AUTHZ_UNAVAILABLE(
            503, Type.SERVER, "authz_unavailable", "The gateway cannot decide calls right now. Please retry."),
    SERVICE_UNAVAILABLE(
            503, Type.SERVER, "service_unavailable", "The gateway is temporarily unavailable. Please retry."),
    RATE_LIMIT_STORE_UNAVAILABLE(
            503,
            Type.SERVER,
            "rate_limit_store_unavailable",
            "The gateway cannot check rate limits right now. Please retry."),
    OVERLOADED(
            503,
            Type.SERVER,
            "overloaded",
            "The gateway is holding as many request bodies as its memory allows. Please retry."),
    BACKEND_BUSY(503, Type.SERVER, "backend_busy", "The {backend} backend is busy. Please retry."),
    BACKEND_TIMEOUT(504, Type.SERVER, "backend_timeout", "The {backend} backend did not answer in time."),
    /** Jetty's answer to an HTTP/2 connection preface on a port that speaks HTTP/1.1 only. */
    UPGRADE_REQUIRED(426, Type.INVALID_REQUEST, "upgrade_required", "This port speaks HTTP/1.1 and HTTP/1.0 only."),
    UNSUPPORTED_PROTOCOL(
            505, Type.INVALID_REQUEST, "unsupported_protocol", "Only HTTP/1.1 and HTTP/1.0 are supported.");

    /** {@link #INVALID_API_KEY}'s reason when no key came at all: the sidecar's and nginx's words. */
    public static final String NO_API_KEY =
            "You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY'.";

    /** A slot in a template (a holder: an enum's constructor cannot read its own static fields). */
    private static final class Slot {
        static final Pattern PATTERN = Pattern.compile("\\{([a-z_]+)}");
    }

    /** OpenAI's error types. */
    private static final class Type {
        static final String INVALID_REQUEST = "invalid_request_error";
        static final String PERMISSION = "permission_error";
        static final String REQUESTS = "requests";
        static final String SERVER = "server_error";
    }

    private final int status;
    private final String type;
    private final String code;
    private final String message;
    private final List<String> slots;

    ErrorCode(int status, String type, String code, String message) {
        this.status = status;
        this.type = type;
        this.code = code;
        this.message = message;
        this.slots = new ArrayList<>();
        for (String template : List.of(code, message)) {
            Matcher m = Slot.PATTERN.matcher(template);
            while (m.find()) {
                slots.add(m.group(1));
            }
        }
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    /** The code as written, with its slots ({@code invalid_{param}}). */
    public String codeTemplate() {
        return code;
    }

    public String messageTemplate() {
        return message;
    }

    /** The names of the slots, in order: the code's, then the message's. */
    public List<String> slots() {
        return List.copyOf(slots);
    }

    /** This error with its slots filled in order (see {@link #slots}). */
    public OpenAiError error(Object... values) {
        if (values.length != slots.size()) {
            throw new IllegalArgumentException(name() + " takes " + slots + ", got " + values.length + " value(s)");
        }
        Map<String, String> named = new java.util.HashMap<>();
        for (int i = 0; i < values.length; i++) {
            named.put(slots.get(i), String.valueOf(values[i]));
        }
        return render(named);
    }

    /** This error with its slots filled by name (nginx's config is rendered this way). */
    public OpenAiError render(Map<String, String> values) {
        return new OpenAiError(status, type, fill(code, values), values.get("param"), fill(message, values));
    }

    /** The entry an error code belongs to: an exact code first, then a code with slots. */
    public static Optional<ErrorCode> of(String code) {
        if (code == null) {
            return Optional.empty();
        }
        for (ErrorCode e : values()) {
            if (e.code.equals(code)) {
                return Optional.of(e);
            }
        }
        for (ErrorCode e : values()) {
            if (e.code.contains("{") && asPattern(e.code).matcher(code).matches()) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Whether an error has this entry's status, type, code and a message its template can produce. */
    public boolean matches(int status, String type, String code, String message) {
        return status == this.status
                && this.type.equals(type)
                && code != null
                && asPattern(this.code).matcher(code).matches()
                && message != null
                && asPattern(this.message).matcher(message).matches();
    }

    /** A template as a regular expression: the literal text, each slot any non-empty text. */
    private static Pattern asPattern(String template) {
        StringBuilder regex = new StringBuilder();
        Matcher m = Slot.PATTERN.matcher(template);
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(template.substring(last, m.start()))).append("(?s:.+)");
            last = m.end();
        }
        return Pattern.compile(
                regex.append(Pattern.quote(template.substring(last))).toString());
    }

    private static String fill(String template, Map<String, String> values) {
        Matcher m = Slot.PATTERN.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException("no value for {" + m.group(1) + "} in " + template);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        return m.appendTail(out).toString();
    }
}
