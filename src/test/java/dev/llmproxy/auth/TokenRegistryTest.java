package dev.llmproxy.auth;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.ratelimit.Quota;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenRegistryTest {
    static Token token(String label, String secret) {
        return new Token(label, TokenDigest.of(secret), Quota.UNLIMITED, ModelAllowlist.ANY);
    }

    @Test
    void findsByDigestOnly() {
        var reg = new TokenRegistry(List.of(token("a", "sk-aaaaaaaa"), token("b", "sk-bbbbbbbb")));
        assertEquals("b", reg.find("sk-bbbbbbbb").orElseThrow().label());
        assertTrue(reg.find("sk-bbbbbbbB").isEmpty());
        assertTrue(reg.find("").isEmpty());
    }

    @Test
    void digestsCompareInConstantTimeAndNeverPrintTheToken() {
        TokenDigest d = TokenDigest.of("sk-aaaaaaaa");
        assertTrue(d.matches(TokenDigest.fromHex(d.hex())));
        assertFalse(d.matches(TokenDigest.of("sk-aaaaaaab")));
        assertFalse(d.toString().contains(d.hex()));
        assertFalse(token("a", "sk-aaaaaaaa").toString().contains("sk-aaaaaaaa"));
        assertThrows(
                IllegalArgumentException.class,
                () -> new TokenRegistry(List.of(token("a", "sk-x1234567"), token("b", "sk-x1234567"))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer sk-abc", "bearer sk-abc", "BEARER  sk-abc ", "Bearer sk-abc"})
    void bearerHeadersParse(String header) {
        assertEquals("sk-abc", BearerToken.parse(header).orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "Bearer",
                "Bearer ",
                "Basic dXNlcjpwdw==",
                "Bearer a b",
                "Bearer sk-\u00e9",
                "Token sk-abc",
                "Bearersk-abc"
            })
    void malformedBearerHeadersDoNot(String header) {
        assertTrue(BearerToken.parse(header).isEmpty());
    }

    @Test
    void mintedTokensAreStrongUniqueAndAcceptedByTheConfig() {
        var minter = new TokenMinter();
        String a = minter.mint();
        String b = minter.mint();
        assertNotEquals(a, b);
        assertTrue(a.matches("sk-llmp-[A-Za-z0-9_-]{43}"), a);
        assertTrue(BearerToken.SYNTAX.matcher(a).matches());
        String entry = TokenMinter.entryJson(a, "team-a", 60L, null);
        assertFalse(entry.contains(a), "the entry holds only the hash");
        var config = dev.llmproxy.config.ConfigLoader.load(java.util.Map.of("TOKENS_JSON", "[" + entry + "]"));
        assertEquals("team-a", config.tokens().find(a).orElseThrow().label());
        assertEquals(60, config.tokens().find(a).orElseThrow().quota().rpm());
    }
}
