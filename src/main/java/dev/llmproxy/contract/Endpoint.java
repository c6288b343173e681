package dev.llmproxy.contract;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The API endpoints the gateway serves as model calls. The sidecar's routes, the relays' dispatch and the
 * nginx location that sends these calls to the sidecar ({@link #nginxLocationRegex}) all come from this list.
 */
public enum Endpoint {
    CHAT_COMPLETIONS("POST", "/v1/chat/completions"),
    COMPLETIONS("POST", "/v1/completions"),
    EMBEDDINGS("POST", "/v1/embeddings"),
    /** Listing models: no model in the request, answered by the sidecar from the backends' lists. */
    MODELS("GET", "/v1/models");

    private final String method;
    private final String path;

    Endpoint(String method, String path) {
        this.method = method;
        this.path = path;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    /** Whether the request body names a model that decides its backend. */
    public boolean carriesModel() {
        return method.equals("POST");
    }

    /** The regular expression of nginx's location for every endpoint (paths are letters, digits and slashes). */
    public static String nginxLocationRegex() {
        return Arrays.stream(values()).map(Endpoint::path).collect(Collectors.joining("|", "^(", ")$"));
    }
}
