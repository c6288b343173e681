package dev.llmproxy.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The SHA-256 of a gateway token. The registry holds only these, never the tokens themselves. */
public final class TokenDigest {
    private static final HexFormat HEX = HexFormat.of();
    private final byte[] bytes;

    private TokenDigest(byte[] bytes) {
        this.bytes = bytes;
    }

    public static TokenDigest of(String token) {
        try {
            return new TokenDigest(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM ships SHA-256", e);
        }
    }

    /** Parses 64 hex digits; throws IllegalArgumentException otherwise. */
    public static TokenDigest fromHex(String hex) {
        if (hex.length() != 64) {
            throw new IllegalArgumentException("expected 64 hex digits");
        }
        return new TokenDigest(HEX.parseHex(hex));
    }

    public String hex() {
        return HEX.formatHex(bytes);
    }

    /** Constant-time comparison, so response timing says nothing about how much of a digest matched. */
    public boolean matches(TokenDigest other) {
        return MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenDigest d && matches(d);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "sha256:" + hex().substring(0, 8) + "…";
    }
}
