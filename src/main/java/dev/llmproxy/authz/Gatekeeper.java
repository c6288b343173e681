package dev.llmproxy.authz;

import dev.llmproxy.auth.BearerToken;
import dev.llmproxy.auth.Token;
import dev.llmproxy.auth.Tokens;
import dev.llmproxy.backends.ModelRef;
import dev.llmproxy.metrics.Metrics;
import dev.llmproxy.ratelimit.Decision;
import dev.llmproxy.ratelimit.RateLimiter;
import dev.llmproxy.ratelimit.StoreUnavailableException;
import java.util.Optional;

/**
 * Authenticates, checks the model allowlist and applies the limits, in that order, so that neither an
 * unknown client nor a forbidden request ever consumes anyone's quota.
 */
public final class Gatekeeper {
    private final Tokens tokens;
    private final RateLimiter limiter;
    private final Metrics metrics;

    public Gatekeeper(Tokens tokens, RateLimiter limiter, Metrics metrics) {
        this.tokens = tokens;
        this.limiter = limiter;
        this.metrics = metrics;
    }

    /**
     * The refusal of a header that presents no registered token (counted as such), or empty when it presents one:
     * then nothing is decided or counted yet. One lookup, so a registry swapped meanwhile cannot make a request
     * both unknown and admitted.
     */
    public Optional<Verdict.Unauthenticated> unrecognised(String authorization) {
        Optional<Verdict.Unauthenticated> refusal =
                authenticate(authorization, tokens.current()).left();
        refusal.ifPresent(u -> metrics.decision(Metrics.Outcome.UNAUTHENTICATED, null));
        return refusal;
    }

    /** Either the token the header presents, or why it presents none. */
    private record Authenticated(Optional<Verdict.Unauthenticated> left, Token token) {}

    private static Authenticated authenticate(String authorization, dev.llmproxy.auth.TokenRegistry registry) {
        if (authorization == null || authorization.isBlank()) {
            return new Authenticated(
                    Optional.of(new Verdict.Unauthenticated(dev.llmproxy.contract.ErrorCode.NO_API_KEY)), null);
        }
        var presented = BearerToken.parse(authorization);
        if (presented.isEmpty()) {
            return new Authenticated(
                    Optional.of(new Verdict.Unauthenticated(
                            "Malformed Authorization header. Send it as 'Authorization: Bearer YOUR_KEY'.")),
                    null);
        }
        var found = registry.find(presented.get());
        return found.isEmpty()
                ? new Authenticated(Optional.of(new Verdict.Unauthenticated("Incorrect API key provided.")), null)
                : new Authenticated(Optional.empty(), found.get());
    }

    /**
     * Authenticates a request that costs no model time (listing models): a known token is admitted uncounted, so
     * the request spends none of its windows and is never refused for them (nor when the limit store is down).
     */
    public Verdict admitUncounted(String authorization) {
        Authenticated who = authenticate(authorization, tokens.current());
        return counted(
                who.left().isPresent() ? who.left().get() : new Verdict.Allowed(who.token(), Decision.UNCOUNTED));
    }

    /** @param model the requested model, or null for endpoints that have none */
    public Verdict decide(String authorization, ModelRef model) {
        return counted(evaluate(authorization, model));
    }

    /** The verdict, after counting it in the decision metrics. */
    private Verdict counted(Verdict verdict) {
        switch (verdict) {
            case Verdict.Allowed a ->
                metrics.decision(Metrics.Outcome.ALLOWED, a.token().label());
            case Verdict.Unauthenticated u -> metrics.decision(Metrics.Outcome.UNAUTHENTICATED, null);
            case Verdict.Forbidden f ->
                metrics.decision(Metrics.Outcome.FORBIDDEN, f.token().label());
            case Verdict.RateLimited r ->
                metrics.decision(Metrics.Outcome.RATE_LIMITED, r.token().label());
            case Verdict.StoreUnavailable s ->
                metrics.decision(Metrics.Outcome.STORE_ERROR, s.token().label());
        }
        return verdict;
    }

    private Verdict evaluate(String authorization, ModelRef model) {
        Authenticated who = authenticate(authorization, tokens.current());
        if (who.left().isPresent()) {
            return who.left().get();
        }
        Token token = who.token();
        if (model != null && !token.models().allows(model)) {
            return new Verdict.Forbidden(token, model.requested());
        }
        Decision decision;
        long start = System.nanoTime();
        try {
            decision = limiter.acquire(token.label(), token.quota());
        } catch (StoreUnavailableException e) {
            return new Verdict.StoreUnavailable(token);
        } finally {
            metrics.limiterLatency(System.nanoTime() - start);
        }
        if (!decision.allowed()) {
            return new Verdict.RateLimited(token, decision);
        }
        return new Verdict.Allowed(token, decision);
    }
}
