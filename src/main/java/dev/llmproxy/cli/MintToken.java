package dev.llmproxy.cli;

import dev.llmproxy.auth.TokenMinter;
import dev.llmproxy.config.ConfigLoader;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** {@code mint-token}: a new random token, and the TOKENS_JSON entry (holding only its hash) that registers it. */
public final class MintToken {
    private MintToken() {}

    public static void run(String[] args) {
        Options o = Options.parse(args, Set.of("label", "rpm", "rpd", "models"));
        if (!o.has("label")) {
            throw new IllegalArgumentException("mint-token needs --label NAME");
        }
        Long rpm = o.number("rpm");
        Long rpd = o.number("rpd");
        List<String> models = o.has("models")
                ? Arrays.stream(o.get("models").split(","))
                        .map(String::strip)
                        .filter(m -> !m.isEmpty())
                        .toList()
                : null;
        String token = new TokenMinter().mint();
        String entry = TokenMinter.entryJson(token, o.get("label"), rpm, rpd, models);
        // The configuration's own rules, before a token is shown: an entry printed here always loads.
        List<String> problems = ConfigLoader.tokenProblems("[" + entry + "]");
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join(
                    "\n",
                    problems.stream()
                            .map(p -> "mint-token: " + p.replaceFirst("^TOKENS_JSON\\[0]( \"[^\"]*\")?: ", ""))
                            .toList()));
        }
        System.out.println("token (give it to the client; it is not stored anywhere): " + token);
        System.out.println("TOKENS_JSON entry: " + entry);
    }
}
