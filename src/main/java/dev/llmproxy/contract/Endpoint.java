package dev.llmproxy.contract;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The API endpoints the gateway serves as model calls. The sidecar's routes, the relays' dispatch and the
 * nginx location that sends these calls to the sidecar ({@link #nginxLocationRegex}) all come from this list.
 */
public enum Endpoint {
    CHAT_COMPLETIONS("POST", "/v1/chat/completions", true),
    COMPLETIONS("POST", "/v1/completions", true),
    EMBEDDINGS("POST", "/v1/embeddings", true),
    // The other JSON model calls vLLM serves, passed straight through to OpenAI-type backends.
    RESPONSES("POST", "/v1/responses", false),
    RERANK("POST", "/v1/rerank", false),
    /** vLLM's spellings of rerank besides /v1/rerank (Jina's and Cohere's API shapes). */
    RERANK_BARE("POST", "/rerank", false),
    RERANK_V2("POST", "/v2/rerank", false),
    SCORE("POST", "/v1/score", false),
    /** Listing models: no model in the request, answered by the sidecar from the backends' lists. */
    MODELS("GET", "/v1/models", false),
    /** One model of that list ({@code <model>} may hold slashes and colons: {@code vllm:meta-llama/Llama-3.1-8B}). */
    MODEL("GET", "/v1/models/<model>", false);

    private final String method;
    private final String path;
    private final boolean translated;

    Endpoint(String method, String path, boolean translated) {
        this.method = method;
        this.path = path;
        this.translated = translated;
    }

    /**
     * Whether backends that are not OpenAI-compatible serve it too: the sidecar translates these for Ollama and
     * answers them for echo; the others only an OpenAI-type backend serves.
     */
    public boolean translated() {
        return translated;
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

    /** The regular expression of nginx's location for every endpoint (paths are letters, digits, slashes and {@code <model>}). */
    public static String nginxLocationRegex() {
        return Arrays.stream(values())
                .map(e -> e.path().replace("<model>", ".+"))
                .collect(Collectors.joining("|", "^(", ")$"));
    }
}
