package dev.llmproxy.auth;

import java.util.Optional;
import java.util.regex.Pattern;

/** Extracts the token from an {@code Authorization: Bearer ...} header (RFC 6750 token68 syntax). */
public final class BearerToken {
    /** The characters RFC 6750 allows in a bearer token; also what TOKENS_JSON accepts. */
    public static final Pattern SYNTAX = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

    public static final int MAX_LENGTH = 512;

    private BearerToken() {}

    public static Optional<String> parse(String authorization) {
        if (authorization == null || authorization.length() < 8 || authorization.length() > MAX_LENGTH + 7) {
            return Optional.empty();
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = authorization.substring(7).strip();
        return SYNTAX.matcher(token).matches() ? Optional.of(token) : Optional.empty();
    }
}
