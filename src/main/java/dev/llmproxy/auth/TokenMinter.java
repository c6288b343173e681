package dev.llmproxy.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.support.Json;
import java.security.SecureRandom;
import java.util.Base64;

/** Mints strong random tokens and the TOKENS_JSON entry (holding only the hash) to register them. */
public final class TokenMinter {
    public static final String PREFIX = "sk-llmp-";
    private final SecureRandom random = new SecureRandom();

    /** 32 random bytes (256 bits), base64url without padding: 43 characters after the prefix. */
    public String mint() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static String entryJson(String token, String label, Long rpm, Long rpd) {
        return entryJson(token, label, rpm, rpd, null);
    }

    /** The entry, with a model allowlist when {@code models} is not null. */
    public static String entryJson(String token, String label, Long rpm, Long rpd, java.util.List<String> models) {
        ObjectNode entry = Json.MAPPER.createObjectNode();
        entry.put("label", label);
        entry.put("token_sha256", TokenDigest.of(token).hex());
        if (rpm != null) {
            entry.put("rpm", rpm);
        }
        if (rpd != null) {
            entry.put("rpd", rpd);
        }
        if (models != null) {
            models.forEach(entry.putArray("models")::add);
        }
        return entry.toString();
    }
}
