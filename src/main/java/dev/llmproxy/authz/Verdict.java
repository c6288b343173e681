package dev.llmproxy.authz;

import dev.llmproxy.auth.Token;
import dev.llmproxy.ratelimit.Decision;

/** What the gatekeeper decided about one request. Only the HTTP layer turns it into a status and headers. */
public sealed interface Verdict {

    /** Admitted, with the limit's state after counting this request. */
    record Allowed(Token token, Decision decision) implements Verdict {}

    /** No token, a malformed header, or a token nobody registered. */
    record Unauthenticated(String message) implements Verdict {}

    /** A valid token asking for a model outside its allowlist ({@code model} as the client wrote it). */
    record Forbidden(Token token, String model) implements Verdict {}

    /** A valid token over its RPM or RPD. */
    record RateLimited(Token token, Decision decision) implements Verdict {}

    /** The limit store cannot decide and its failure mode is closed. */
    record StoreUnavailable(Token token) implements Verdict {}
}
