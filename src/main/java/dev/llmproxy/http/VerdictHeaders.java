package dev.llmproxy.http;

import static dev.llmproxy.http.GatewayHeaders.*;

import dev.llmproxy.authz.Verdict;
import dev.llmproxy.openai.OpenAiError;
import dev.llmproxy.ratelimit.Decision;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a {@link Verdict} into the client's answer: the rate-limit headers of an admitted call (which nginx
 * also passes on for a call it carries to vLLM) and the error of a refused one.
 */
final class VerdictHeaders {
    private VerdictHeaders() {}

    static final String WWW_AUTHENTICATE_VALUE = "Bearer realm=\"llm-proxy\"";
    /** The wait advertised whenever a part of the gateway is unavailable (the limit store, the sidecar): nginx's too. */
    static final String UNAVAILABLE_RETRY_AFTER_SECONDS = "5";

    /** The OpenAI rate-limit headers for a decision; empty for an unlimited token. */
    static Map<String, String> rateLimit(Decision d) {
        Map<String, String> h = new LinkedHashMap<>();
        if (d.limited()) {
            h.put(RATELIMIT_LIMIT, Long.toString(d.limit()));
            h.put(RATELIMIT_REMAINING, Long.toString(d.remaining()));
            h.put(RATELIMIT_RESET, GoDuration.format(d.reset()));
        }
        if (!d.allowed()) {
            // Rounded up so a client never retries too early.
            h.put(RETRY_AFTER, Long.toString(Math.max(1, GoDuration.ceilSeconds(d.retryAfter()))));
            h.put(RETRY_AFTER_MS, Long.toString(Math.max(1, GoDuration.ceilMillis(d.retryAfter()))));
            if (d.dailyExhausted()) {
                h.put(SHOULD_RETRY, "false");
            }
        }
        return h;
    }

    /** Message for a refused request, built only from the label and numbers. */
    static String rateLimitMessage(String label, Decision d) {
        return "Rate limit reached for '" + label + "' on " + d.window().description() + ": Limit " + d.limit()
                + ", Remaining 0. Please try again in " + GoDuration.format(d.retryAfter()) + ".";
    }

    /** The client-facing error for a verdict that refuses the request. */
    static ApiException refusal(Verdict verdict) {
        return switch (verdict) {
            case Verdict.Unauthenticated u ->
                    new ApiException(OpenAiError.unauthorized(u.message()), Map.of(WWW_AUTHENTICATE, WWW_AUTHENTICATE_VALUE));
            case Verdict.Forbidden f -> new ApiException(OpenAiError.forbidden(REASON_MODEL_NOT_ALLOWED, f.message()));
            case Verdict.RateLimited r ->
                    new ApiException(OpenAiError.rateLimited(rateLimitMessage(r.token().label(), r.decision())), rateLimit(r.decision()));
            case Verdict.StoreUnavailable s -> new ApiException(OpenAiError.storeUnavailable(), Map.of(RETRY_AFTER, UNAVAILABLE_RETRY_AFTER_SECONDS));
            case Verdict.Allowed a -> throw new IllegalArgumentException("not a refusal");
        };
    }
}
