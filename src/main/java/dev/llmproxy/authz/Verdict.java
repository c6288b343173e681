package dev.llmproxy.authz;

import dev.llmproxy.auth.Token;
import dev.llmproxy.ratelimit.Decision;
import dev.llmproxy.routing.Backend;

/** What the gatekeeper decided about one request. Only the HTTP layer turns it into a status and headers. */
public sealed interface Verdict {

    /** Admitted: go to {@code backend} (null for requests that name no model, such as listing models). */
    record Allowed(Token token, Backend backend, Decision decision) implements Verdict {}

    /** No token, a malformed header, or a token nobody registered. */
    record Unauthenticated(String message) implements Verdict {}

    /** A valid token asking for a model outside its allowlist ({@code model} as the client wrote it). */
    record Forbidden(Token token, String model) implements Verdict {}

    /** A valid token over its RPM or RPD. */
    record RateLimited(Token token, Decision decision) implements Verdict {}

    /** The limit store cannot decide and its failure mode is closed. */
    record StoreUnavailable(Token token) implements Verdict {}
}
