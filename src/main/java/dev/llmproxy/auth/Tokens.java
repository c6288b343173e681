package dev.llmproxy.auth;

/**
 * The registry in force: swapped whole when the tokens file changes, so every request is decided by one registry,
 * the old or the new, never a mix. A label keeps its limit state across swaps (the limiter counts by label).
 */
public final class Tokens {
    private volatile TokenRegistry current;

    public Tokens(TokenRegistry initial) {
        this.current = initial;
    }

    public TokenRegistry current() {
        return current;
    }

    public void replace(TokenRegistry next) {
        current = next;
    }
}
