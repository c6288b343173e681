package dev.llmproxy.config;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.auth.Tokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokensFileTest {
    static String entry(String token, String label) {
        return "{\"token\":\"" + token + "\",\"label\":\"" + label + "\"}";
    }

    static Path file(String json) throws Exception {
        Path f = Files.createTempFile("tokens", ".json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void aValidChangeReplacesTheRegistryAndAnInvalidOneKeepsItOnceReported() throws Exception {
        Path f = file("[" + entry("sk-old-token-0001", "old") + "]");
        Config config = ConfigLoader.load(Map.of("TOKENS_FILE", f.toString()));
        Tokens tokens = new Tokens(config.tokens());
        TokensFile watched = new TokensFile(f, tokens, Duration.ofHours(1));
        assertTrue(tokens.current().find("sk-old-token-0001").isPresent());
        assertEquals(java.util.List.of(), watched.reloadIfChanged(), "unchanged: nothing to do");

        Files.writeString(f, "[" + entry("sk-new-token-0002", "new") + "]");
        assertEquals(java.util.List.of(), watched.reloadIfChanged());
        assertTrue(tokens.current().find("sk-new-token-0002").isPresent());
        assertTrue(tokens.current().find("sk-old-token-0001").isEmpty(), "a removed token is refused from now on");

        Files.writeString(f, "[" + entry("sk-bad-token-0003", "BAD LABEL") + ",{\"label\":\"x\"}]");
        var problems = watched.reloadIfChanged();
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("TOKENS_FILE[0]"), problems.toString());
        assertFalse(problems.toString().contains("sk-bad-token-0003"), "never a token in a message");
        assertTrue(tokens.current().find("sk-new-token-0002").isPresent(), "the previous tokens stay in force");
        assertEquals(java.util.List.of(), watched.reloadIfChanged(), "a bad file is reported once");
        assertEquals(2, watched.reloadNow().size(), "SIGHUP reads it again");
    }

    @Test
    void theFileIsCheckedAtStartLikeTokensJson() throws Exception {
        var missing = assertThrows(
                ConfigException.class, () -> ConfigLoader.load(Map.of("TOKENS_FILE", "/nonexistent/tokens.json")));
        assertTrue(
                missing.getMessage().contains("TOKENS_FILE: cannot read /nonexistent/tokens.json"),
                missing.getMessage());
        Path f = file("[{\"token\":\"sk-abcdefgh1\",\"label\":\"a\",\"rpm\":0}]");
        var bad = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("TOKENS_FILE", f.toString())));
        assertTrue(bad.getMessage().contains("TOKENS_FILE[0] \"a\": rpm must be a positive integer"), bad.getMessage());
        var both = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.load(
                        Map.of("TOKENS_FILE", f.toString(), "TOKENS_JSON", "[" + entry("sk-abcdefgh2", "b") + "]")));
        assertTrue(
                both.getMessage().contains("TOKENS_JSON, TOKENS_FILE: set one of them, not both"), both.getMessage());
    }

    @Test
    void aDuplicateLabelIsReportedBesideTheEntrysOwnProblemsAtStartAndOnReload() throws Exception {
        String json = "[" + entry("sk-first-token-01", "team-b")
                + ",{\"token\":\"sk-second-token-2\",\"label\":\"team-b\"," + "\"rpm\":0}]";
        List<String> expected = List.of(
                "TOKENS_FILE[1] \"team-b\": rpm must be a positive integer (or absent for no limit), got 0",
                "TOKENS_FILE[1] \"team-b\": label is already used by TOKENS_FILE[0] \"team-b\"");
        Path f = file(json);
        var atStart = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("TOKENS_FILE", f.toString())));
        assertEquals(expected, atStart.problems());

        Path good = file("[" + entry("sk-old-token-0001", "old") + "]");
        Tokens tokens = new Tokens(
                ConfigLoader.load(Map.of("TOKENS_FILE", good.toString())).tokens());
        TokensFile watched = new TokensFile(good, tokens, Duration.ofHours(1));
        Files.writeString(good, json);
        assertEquals(expected, watched.reloadIfChanged());
        assertTrue(tokens.current().find("sk-old-token-0001").isPresent(), "the previous tokens stay in force");
    }
}
