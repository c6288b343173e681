package dev.llmproxy.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.llmproxy.support.Json;

/**
 * An error as OpenAI's API shapes it, {@code {"error":{"message","type","param","code"}}}, with the HTTP status
 * that goes with it. The gateway's own errors come from the {@link ErrorCode} catalog; {@link #relayed} carries a
 * model backend's error on, as that backend worded it.
 */
public final class OpenAiError {
    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final String message;

    OpenAiError(int status, String type, String code, String param, String message) {
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.message = message;
    }

    /** A model backend's own error (a vLLM 400, an Ollama refusal): its words, its code, if any. */
    public static OpenAiError relayed(int status, String type, String code, String message) {
        return new OpenAiError(status, type, code, null, message);
    }

    private record Body(Detail error) {}

    private record Detail(String message, String type, String param, String code) {}

    public byte[] toJson() {
        try {
            return Json.MAPPER.writeValueAsBytes(new Body(new Detail(message, type, param, code)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return status + " " + code + ": " + message;
    }
}
