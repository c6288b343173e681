package dev.llmproxy.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.auth.BearerToken;
import dev.llmproxy.auth.ModelAllowlist;
import dev.llmproxy.auth.Token;
import dev.llmproxy.auth.TokenDigest;
import dev.llmproxy.auth.TokenRegistry;
import dev.llmproxy.ratelimit.Quota;
import dev.llmproxy.support.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code TOKENS_JSON} variable: the clients, their limits and allowlists. Every problem is added to the
 * caller's list, named by entry index and label; no message quotes a token.
 */
final class TokensJson {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Set<String> ENTRY_FIELDS = Set.of("token", "token_sha256", "label", "rpm", "rpd", "models");
    private static final int MIN_TOKEN_LENGTH = 8;

    private final String source;
    private final List<String> problems;

    private TokensJson(String source, List<String> problems) {
        this.source = source;
        this.problems = problems;
    }

    /** The registry of the valid entries of {@code TOKENS_JSON}; every problem found goes to {@code problems}. */
    static TokenRegistry parse(String raw, List<String> problems) {
        return parse("TOKENS_JSON", raw, problems);
    }

    /** The same, with {@code source} naming the text in messages (TOKENS_JSON or TOKENS_FILE). */
    static TokenRegistry parse(String source, String raw, List<String> problems) {
        return new TokensJson(source, problems).registry(raw);
    }

    private TokenRegistry registry(String raw) {
        if (raw == null || raw.isBlank()) {
            problems.add(
                    source
                            + ": required: a JSON array such as [{\"token\":\"...\",\"label\":\"team-a\",\"rpm\":60,\"rpd\":1000}]");
            return new TokenRegistry(List.of());
        }
        JsonNode root;
        try {
            root = Json.MAPPER
                    .reader()
                    .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .readTree(raw);
        } catch (JsonProcessingException e) {
            // Only the position: Jackson's own message quotes the input, which holds tokens.
            var at = e.getLocation();
            problems.add(source + ": not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
            return new TokenRegistry(List.of());
        }
        if (!root.isArray() || root.isEmpty()) {
            problems.add(source + ": must be a non-empty JSON array of token entries");
            return new TokenRegistry(List.of());
        }
        List<Token> tokens = new ArrayList<>();
        Map<String, String> labelsSeen = new HashMap<>();
        Map<TokenDigest, String> digestsSeen = new HashMap<>();
        for (int i = 0; i < root.size(); i++) {
            Entry e = entry(i, root.get(i));
            // Checked across entries with whatever of an entry could be read, so that a label or a token used twice
            // is named in the same round as the entry's own problems.
            String earlier = e.label() == null ? null : labelsSeen.putIfAbsent(e.label(), e.where());
            if (earlier != null) {
                problems.add(e.where() + ": label is already used by " + earlier);
            }
            String sameToken = e.digest() == null ? null : digestsSeen.putIfAbsent(e.digest(), e.where());
            if (sameToken != null) {
                problems.add(e.where() + ": same token as " + sameToken);
            }
            if (e.token() != null && earlier == null && sameToken == null) {
                tokens.add(e.token());
            }
        }
        return new TokenRegistry(tokens);
    }

    /**
     * What an entry holds: its valid label and digest (null when invalid or absent), and the token when the whole
     * entry is valid.
     */
    private record Entry(String where, String label, TokenDigest digest, Token token) {}

    private Entry entry(int index, JsonNode entry) {
        if (!entry.isObject()) {
            problems.add(source + "[" + index + "]: must be an object");
            return new Entry(source + "[" + index + "]", null, null, null);
        }
        JsonNode labelNode = entry.get("label");
        boolean labelOk = labelNode != null
                && labelNode.isTextual()
                && LABEL.matcher(labelNode.asText()).matches()
                && !looksLikeKey(labelNode.asText());
        String label = labelOk ? labelNode.asText() : null;
        String where = source + "[" + index + "]" + (labelOk ? " \"" + label + "\"" : "");
        int before = problems.size();
        if (!labelOk) {
            String rule = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit";
            problems.add(where
                    + (Given.absent(labelNode)
                            ? ": label is required: " + rule
                            : labelNode.isTextual() && looksLikeKey(labelNode.asText())
                                    ? ": label must not start with \"sk-\" as API keys do (a label is shown in logs,"
                                            + " headers and metrics), got " + shownLabel(labelNode)
                                    : ": label must be " + rule + ", got " + shownLabel(labelNode)));
        }
        entry.fieldNames().forEachRemaining(f -> {
            if (!ENTRY_FIELDS.contains(f)) {
                problems.add(where + ": unknown field \"" + ConfigLoader.printable(f)
                        + "\" (known: token, token_sha256, label, rpm, rpd, models)");
            }
        });
        TokenDigest digest = digest(where, entry.get("token"), entry.get("token_sha256"));
        long rpm = limit(where, "rpm", entry.get("rpm"), Quota.MAX_RPM);
        long rpd = limit(where, "rpd", entry.get("rpd"), Quota.MAX_RPD);
        ModelAllowlist models = models(where, entry.get("models"));
        Token token = problems.size() > before ? null : new Token(label, digest, new Quota(rpm, rpd), models);
        return new Entry(where, label, digest, token);
    }

    /**
     * Whether a label looks like an API key: the tokens mint-token makes ({@code sk-llmp-...}) and most providers'
     * keys start {@code sk-}. The two fields swapped by mistake would put a secret in every log line and metric.
     */
    private static boolean looksLikeKey(String label) {
        return label.regionMatches(true, 0, "sk-", 0, 3);
    }

    /** A label that could be a token is not shown: the two fields swapped by mistake put a secret in the label. */
    private static String shownLabel(JsonNode label) {
        String v = label.isTextual() ? label.textValue() : "";
        boolean couldBeToken = looksLikeKey(v)
                || v.length() >= MIN_TOKEN_LENGTH
                        && BearerToken.SYNTAX.matcher(v).matches();
        return couldBeToken ? "a value that could be a token (not shown)" : Given.shown(label);
    }

    private TokenDigest digest(String where, JsonNode token, JsonNode sha) {
        if (Given.absent(token) == Given.absent(sha)) {
            problems.add(where + ": exactly one of \"token\" or \"token_sha256\""
                    + (Given.absent(token) ? " is required" : ", got both"));
            return null;
        }
        if (!Given.absent(token)) {
            String t = token.isTextual() ? token.asText() : "";
            if (t.length() < MIN_TOKEN_LENGTH
                    || t.length() > BearerToken.MAX_LENGTH
                    || !BearerToken.SYNTAX.matcher(t).matches()) {
                problems.add(where + ": token must be " + MIN_TOKEN_LENGTH + "-" + BearerToken.MAX_LENGTH
                        + " characters of A-Z a-z 0-9 - . _ ~ + / (optionally ending in =)");
                return null;
            }
            return TokenDigest.of(t);
        }
        if (!sha.isTextual() || !HEX64.matcher(sha.asText()).matches()) {
            problems.add(where + ": token_sha256 must be 64 hex digits (the SHA-256 of the token)");
            return null;
        }
        return TokenDigest.fromHex(sha.asText().toLowerCase(Locale.ROOT));
    }

    private long limit(String where, String field, JsonNode value, long max) {
        if (value == null || value.isNull()) {
            return 0; // no limit on this window
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() <= 0) {
            problems.add(where + ": " + field + " must be a positive integer (or absent for no limit), got "
                    + ConfigLoader.printable(value.toString()));
            return 0;
        }
        if (value.asLong() > max) {
            problems.add(where + ": " + field + " must be at most " + max + " (omit it for no limit), got "
                    + value.asLong());
            return 0;
        }
        return value.asLong();
    }

    private ModelAllowlist models(String where, JsonNode value) {
        if (value == null || value.isNull()) {
            return ModelAllowlist.ANY;
        }
        List<String> patterns = new ArrayList<>();
        if (!value.isArray() || value.isEmpty()) {
            problems.add(where + ": models must be a non-empty array of model names or prefixes ending in '*'");
            return ModelAllowlist.ANY;
        }
        for (JsonNode p : value) {
            String s = p.isTextual() ? p.asText() : "";
            if (s.isEmpty() || s.indexOf('*') != -1 && s.indexOf('*') != s.length() - 1) {
                problems.add(where + ": models entries must be non-empty strings, '*' only at the end, got "
                        + ConfigLoader.printable(p.toString()));
            } else {
                patterns.add(s);
            }
        }
        return new ModelAllowlist(patterns);
    }
}
