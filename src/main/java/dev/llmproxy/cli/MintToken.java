package dev.llmproxy.cli;

import dev.llmproxy.auth.TokenMinter;
import java.util.Set;

/** {@code mint-token}: a new random token, and the TOKENS_JSON entry (holding only its hash) that registers it. */
public final class MintToken {
    private MintToken() {}

    public static void run(String[] args) {
        Options o = Options.parse(args, Set.of("label", "rpm", "rpd"));
        if (!o.has("label")) {
            throw new IllegalArgumentException("mint-token needs --label NAME");
        }
        Long rpm = o.number("rpm");
        Long rpd = o.number("rpd"); // both checked before a token is shown
        String token = new TokenMinter().mint();
        System.out.println("token (give it to the client; it is not stored anywhere): " + token);
        System.out.println("TOKENS_JSON entry: " + TokenMinter.entryJson(token, o.get("label"), rpm, rpd));
    }
}
