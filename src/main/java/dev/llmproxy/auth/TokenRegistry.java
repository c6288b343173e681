package dev.llmproxy.auth;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Looks tokens up by their SHA-256 digest; plaintext tokens are never stored. */
public final class TokenRegistry {
    private final Map<String, Token> byDigestHex = new HashMap<>();
    private final List<Token> tokens;

    public TokenRegistry(List<Token> tokens) {
        this.tokens = List.copyOf(tokens);
        for (Token t : tokens) {
            if (byDigestHex.put(t.digest().hex(), t) != null) {
                throw new IllegalArgumentException("duplicate token for label " + t.label());
            }
        }
    }

    /**
     * The token whose digest equals the presented token's. The map is keyed by the digest, so a lookup's
     * timing depends on the hash of a SHA-256, not on the secret; the final comparison is constant-time.
     */
    public Optional<Token> find(String presented) {
        TokenDigest digest = TokenDigest.of(presented);
        Token t = byDigestHex.get(digest.hex());
        return t != null && t.digest().matches(digest) ? Optional.of(t) : Optional.empty();
    }

    public List<Token> all() {
        return tokens;
    }
}
