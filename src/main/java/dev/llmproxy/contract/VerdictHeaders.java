package dev.llmproxy.contract;

import static dev.llmproxy.contract.GatewayHeaders.*;

import dev.llmproxy.authz.Verdict;
import dev.llmproxy.ratelimit.Decision;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a {@link Verdict} into the client's answer: the rate-limit headers of an admitted call (which nginx
 * also passes on for a call it carries to vLLM) and the error of a refused one.
 */
public final class VerdictHeaders {
    private VerdictHeaders() {}

    public static final String WWW_AUTHENTICATE_VALUE = "Bearer realm=\"llm-proxy\"";
    /** The wait advertised whenever a part of the gateway is unavailable (the limit store, the sidecar): nginx's too. */
    public static final String UNAVAILABLE_RETRY_AFTER_SECONDS = "5";

    /** The OpenAI rate-limit headers for a decision; empty for an unlimited token. */
    public static Map<String, String> rateLimit(Decision d) {
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

    /** The client-facing error for a verdict that refuses the request. */
    public static ApiException refusal(Verdict verdict) {
        return switch (verdict) {
            case Verdict.Unauthenticated u ->
                new ApiException(
                        ErrorCode.INVALID_API_KEY.error(u.message()), Map.of(WWW_AUTHENTICATE, WWW_AUTHENTICATE_VALUE));
            case Verdict.Forbidden f ->
                new ApiException(ErrorCode.MODEL_NOT_ALLOWED.error(f.token().label(), f.model()));
            case Verdict.RateLimited r ->
                new ApiException(
                        ErrorCode.RATE_LIMIT_EXCEEDED.error(
                                r.token().label(),
                                r.decision().window().description(),
                                r.decision().limit(),
                                GoDuration.format(r.decision().retryAfter())),
                        rateLimit(r.decision()));
            case Verdict.StoreUnavailable s ->
                new ApiException(
                        ErrorCode.RATE_LIMIT_STORE_UNAVAILABLE.error(),
                        Map.of(RETRY_AFTER, UNAVAILABLE_RETRY_AFTER_SECONDS));
            case Verdict.Allowed a -> throw new IllegalArgumentException("not a refusal");
        };
    }
}
