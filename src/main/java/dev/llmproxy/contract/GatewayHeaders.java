package dev.llmproxy.contract;

import java.util.List;

/**
 * Every header name that the sidecar and the nginx config share. A test checks that
 * {@code nginx/nginx.conf.template} uses exactly these.
 */
public final class GatewayHeaders {
    private GatewayHeaders() {}

    // nginx -> sidecar: proves the call came through our nginx, and names it
    public static final String GATEWAY_SECRET = "X-Gateway-Secret";
    public static final String REQUEST_ID = "X-Request-ID";

    // nginx -> vLLM, set so that no client can supply them (X-LLM-Model and X-Proxy-Backend also go
    // sidecar -> nginx, below)
    public static final String LLM_MODEL = "X-LLM-Model";
    public static final String REAL_IP = "X-Real-IP";
    public static final String RATE_LIMIT_CHECKED = "X-RateLimit-Checked";

    // sidecar -> nginx: a vLLM call handed back to nginx, which proxies it to vLLM itself
    public static final String ACCEL_REDIRECT = "X-Accel-Redirect";
    /** The name nginx writes into the body's top-level {@code model} (the client's, without its prefix). */
    public static final String UPSTREAM_MODEL = "X-LLM-Upstream-Model";
    /**
     * The nginx named location a call handed back for an OpenAI-type backend goes to: the body as sent, or with
     * the model rewritten. Backend names are lower-case letters, digits and dashes, so they are safe here.
     */
    public static String location(String backend, boolean rewritten, boolean stream) {
        return "@llm_" + backend + (stream ? "_stream" : "") + (rewritten ? "_rewritten" : "");
    }

    // sidecar answer -> nginx (and some on to the client)
    public static final String PROXY_BACKEND = "X-Proxy-Backend";
    public static final String TOKEN_LABEL = "X-Token-Label";
    public static final String AUTHZ_REASON = "X-Authz-Reason";
    public static final String RATELIMIT_LIMIT = "X-RateLimit-Limit-Requests";
    public static final String RATELIMIT_REMAINING = "X-RateLimit-Remaining-Requests";
    public static final String RATELIMIT_RESET = "X-RateLimit-Reset-Requests";
    public static final String RETRY_AFTER = "Retry-After";
    public static final String RETRY_AFTER_MS = "Retry-After-Ms";
    /** Read by the OpenAI SDKs before anything else: {@code false} stops their retries. */
    public static final String SHOULD_RETRY = "X-Should-Retry";

    public static final String WWW_AUTHENTICATE = "WWW-Authenticate";

    // sidecar answer -> nginx's access log (usage of non-streamed answers; hidden from clients)
    public static final String PROMPT_TOKENS = "X-LLM-Prompt-Tokens";
    public static final String COMPLETION_TOKENS = "X-LLM-Completion-Tokens";

    /** The X- headers above, which the nginx template must use and must not add to. */
    public static final List<String> SHARED_WITH_NGINX = List.of(
            GATEWAY_SECRET,
            LLM_MODEL,
            REAL_IP,
            REQUEST_ID,
            RATE_LIMIT_CHECKED,
            UPSTREAM_MODEL,
            PROXY_BACKEND,
            TOKEN_LABEL,
            AUTHZ_REASON,
            RATELIMIT_LIMIT,
            RATELIMIT_REMAINING,
            RATELIMIT_RESET,
            RETRY_AFTER,
            PROMPT_TOKENS,
            COMPLETION_TOKENS);

    /** What a browser app may read of an answer (CORS {@code Access-Control-Expose-Headers}, rendered into nginx). */
    public static final List<String> EXPOSED_TO_BROWSERS = List.of(
            REQUEST_ID,
            RATELIMIT_LIMIT,
            RATELIMIT_REMAINING,
            RATELIMIT_RESET,
            RETRY_AFTER,
            RETRY_AFTER_MS,
            SHOULD_RETRY);

    /** {@link #PROXY_BACKEND} of calls the sidecar answers from its own data (listing models), for the log. */
    public static final String BACKEND_SIDECAR = "sidecar";
    /** The error code of a call refused by a token's allowlist (also its {@link #AUTHZ_REASON} in the log). */
    public static final String REASON_MODEL_NOT_ALLOWED = "model_not_allowed";
}
