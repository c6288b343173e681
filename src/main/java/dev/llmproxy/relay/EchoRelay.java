package dev.llmproxy.relay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.Endpoint;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.contract.GatewayHeaders;
import dev.llmproxy.openai.OpenAiWire;
import dev.llmproxy.support.Json;
import dev.llmproxy.translate.FieldTypes;
import dev.llmproxy.translate.Ids;
import dev.llmproxy.translate.InvalidRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backend the sidecar serves itself, for trying the gateway and for apps' CI: chat and completions answer with
 * the client's own words (the last user message, the prompt), whole or streamed word by word; embeddings are unit
 * vectors derived from the text's SHA-256. Shapes are OpenAI's; a "token" is a whitespace-separated word.
 *
 * <p>Sampling fields are checked for type and otherwise change nothing; {@code max_tokens} and {@code stop} cut the
 * answer as a model's would. {@code n} must be 1, as on the Ollama backend: n identical copies of a client-sized text
 * would multiply the request body in the sidecar's memory, and an app tested here should be refused what the
 * gateway's own translation refuses.
 */
public final class EchoRelay {
    private static final Logger LOG = LoggerFactory.getLogger(EchoRelay.class);

    static final String FINGERPRINT = "fp_echo";
    static final int DEFAULT_DIMENSIONS = 16;
    static final int MAX_DIMENSIONS = 4096;
    /** Numbers in one embeddings answer (inputs × dimensions): about 12 MB of JSON, whatever the body holds. */
    static final int MAX_EMBEDDING_NUMBERS = 1 << 20;

    /** A word with the whitespace after it (and, for the first, before it): the pieces join back to the text. */
    private static final Pattern PIECE = Pattern.compile("\\s*\\S+\\s*", Pattern.UNICODE_CHARACTER_CLASS);

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private final InstantSource clock;

    public EchoRelay() {
        this(InstantSource.system());
    }

    /** With the clock that dates answers ({@code created}). */
    public EchoRelay(InstantSource clock) {
        this.clock = clock;
    }

    /** Serves one model call; throws {@link ApiException} for a refused request, before any byte of the answer. */
    public void serve(ClientChannel client, Endpoint endpoint, byte[] body, String model, String requestId) {
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new ApiException(ErrorCode.INVALID_JSON.error());
        }
        if (json == null || !json.isObject()) {
            throw new ApiException(ErrorCode.INVALID_JSON.error());
        }
        try {
            switch (endpoint) {
                case CHAT_COMPLETIONS -> chat(client, json, model);
                case COMPLETIONS -> completions(client, json, model);
                case EMBEDDINGS -> embeddings(client, json, model);
                case MODELS, MODEL, RESPONSES, RERANK, RERANK_BARE, RERANK_V2, SCORE ->
                    throw new IllegalArgumentException("not served here: " + endpoint);
            }
        } catch (InvalidRequest e) {
            throw new ApiException(e.error());
        } catch (ClientGone e) {
            LOG.debug("request {}: client went away during an echo stream", requestId);
        }
    }

    /** The answer to one text: its pieces, each word with the whitespace after it, and why it ended. */
    record Reply(List<String> pieces, String finishReason) {
        String text() {
            return String.join("", pieces);
        }

        long words() {
            return pieces.size();
        }
    }

    /** How a text is cut: before the first occurrence of any stop string, then to at most {@code maxWords}. */
    record Limits(Long maxWords, List<String> stops) {
        Reply reply(String text) {
            int end = text.length();
            for (String stop : stops) {
                int at = text.indexOf(stop);
                if (at >= 0 && at < end) {
                    end = at;
                }
            }
            List<String> pieces = pieces(text.substring(0, end));
            if (maxWords != null && pieces.size() > maxWords) {
                List<String> kept = new ArrayList<>(pieces.subList(0, maxWords.intValue()));
                // A model cut short ends on its last word, not on the space it never got to write.
                kept.set(kept.size() - 1, kept.getLast().stripTrailing());
                return new Reply(List.copyOf(kept), "length");
            }
            return new Reply(pieces, "stop");
        }
    }

    /** What chat and completions read alike. */
    private record Sampling(boolean stream, boolean includeUsage, Limits limits) {}

    private record Conversation(String lastUserText, long promptWords) {}

    private void chat(ClientChannel client, JsonNode body, String model) {
        checkTypes(body, FieldTypes.CHAT, null, "");
        Sampling sampling = sampling(body);
        Conversation conversation = conversation(body.get("messages"));
        Reply reply = sampling.limits().reply(conversation.lastUserText());
        String id = Ids.chat();
        long created = clock.instant().getEpochSecond();
        OpenAiWire.Usage usage = OpenAiWire.Usage.of(conversation.promptWords(), reply.words());
        if (!sampling.stream()) {
            var message = new OpenAiWire.AssistantMessage("assistant", reply.text(), null, null);
            answer(
                    client,
                    new OpenAiWire.ChatCompletion(
                            id,
                            "chat.completion",
                            created,
                            model,
                            FINGERPRINT,
                            List.of(new OpenAiWire.ChatChoice(0, message, null, reply.finishReason())),
                            usage),
                    usage);
            return;
        }
        SseWriter out = startEvents(client);
        out.event(chatChunk(id, created, model, new OpenAiWire.Delta("assistant", "", null, null), null));
        for (String piece : reply.pieces()) {
            out.event(chatChunk(id, created, model, new OpenAiWire.Delta(null, piece, null, null), null));
        }
        out.event(chatChunk(id, created, model, new OpenAiWire.Delta(null, null, null, null), reply.finishReason()));
        if (sampling.includeUsage()) {
            out.event(new OpenAiWire.ChatCompletionChunk(
                    id, "chat.completion.chunk", created, model, FINGERPRINT, List.of(), usage));
        }
        out.done();
    }

    private static OpenAiWire.ChatCompletionChunk chatChunk(
            String id, long created, String model, OpenAiWire.Delta delta, String finishReason) {
        return new OpenAiWire.ChatCompletionChunk(
                id,
                "chat.completion.chunk",
                created,
                model,
                FINGERPRINT,
                List.of(new OpenAiWire.ChunkChoice(0, delta, null, finishReason)),
                null);
    }

    /** One choice per prompt, in prompt order, as OpenAI's legacy API answers a list of prompts. */
    private void completions(ClientChannel client, JsonNode body, String model) {
        checkTypes(body, FieldTypes.COMPLETIONS, null, "");
        Sampling sampling = sampling(body);
        List<String> prompts = texts(body.get("prompt"), "prompt");
        boolean echo = body.path("echo").asBoolean(false);
        List<Reply> replies = prompts.stream().map(sampling.limits()::reply).toList();
        String id = Ids.completion();
        long created = clock.instant().getEpochSecond();
        OpenAiWire.Usage usage = OpenAiWire.Usage.of(
                words(prompts), replies.stream().mapToLong(Reply::words).sum());
        if (!sampling.stream()) {
            List<OpenAiWire.TextChoice> choices = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                String text = (echo ? prompts.get(i) : "") + replies.get(i).text();
                choices.add(
                        new OpenAiWire.TextChoice(text, i, null, replies.get(i).finishReason()));
            }
            answer(
                    client,
                    new OpenAiWire.Completion(id, "text_completion", created, model, FINGERPRINT, choices, usage),
                    usage);
            return;
        }
        SseWriter out = startEvents(client);
        for (int i = 0; i < prompts.size(); i++) {
            if (echo && !prompts.get(i).isEmpty()) {
                out.event(
                        completionChunk(id, created, model, new OpenAiWire.TextChoice(prompts.get(i), i, null, null)));
            }
            for (String piece : replies.get(i).pieces()) {
                out.event(completionChunk(id, created, model, new OpenAiWire.TextChoice(piece, i, null, null)));
            }
            out.event(completionChunk(
                    id,
                    created,
                    model,
                    new OpenAiWire.TextChoice("", i, null, replies.get(i).finishReason())));
        }
        if (sampling.includeUsage()) {
            out.event(new OpenAiWire.Completion(id, "text_completion", created, model, FINGERPRINT, List.of(), usage));
        }
        out.done();
    }

    private static OpenAiWire.Completion completionChunk(
            String id, long created, String model, OpenAiWire.TextChoice choice) {
        return new OpenAiWire.Completion(id, "text_completion", created, model, FINGERPRINT, List.of(choice), null);
    }

    private void embeddings(ClientChannel client, JsonNode body, String model) {
        checkTypes(body, FieldTypes.EMBEDDINGS, null, "");
        List<String> inputs = texts(body.get("input"), "input");
        String format = body.path("encoding_format").asText("float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw new InvalidRequest("encoding_format", "encoding_format must be float or base64.");
        }
        JsonNode dims = body.path("dimensions");
        long dimensions = dims.isIntegralNumber() ? dims.longValue() : DEFAULT_DIMENSIONS;
        if (dimensions < 1 || dimensions > MAX_DIMENSIONS) {
            throw new InvalidRequest("dimensions", "dimensions must be between 1 and " + MAX_DIMENSIONS + ".");
        }
        if (inputs.size() * dimensions > MAX_EMBEDDING_NUMBERS) {
            throw new InvalidRequest(
                    "input",
                    "input has too many entries for the dimensions: the echo backend answers at most "
                            + MAX_EMBEDDING_NUMBERS + " numbers (entries × dimensions) per request.");
        }
        List<OpenAiWire.Embedding> data = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            float[] vector = vector(inputs.get(i), (int) dimensions);
            data.add(new OpenAiWire.Embedding("embedding", format.equals("base64") ? base64(vector) : vector, i));
        }
        long tokens = words(inputs);
        answer(
                client,
                new OpenAiWire.EmbeddingList("list", data, model, new OpenAiWire.EmbeddingUsage(tokens, tokens)),
                OpenAiWire.Usage.of(tokens, 0L));
    }

    /**
     * A unit vector that depends only on the text: SHA-256 of the text and a block counter gives eight signed 32-bit
     * numbers per block, scaled to [-1, 1) and then normalised.
     */
    static float[] vector(String text, int dimensions) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        byte[] seed = text.getBytes(StandardCharsets.UTF_8);
        double[] raw = new double[dimensions];
        ByteBuffer block = ByteBuffer.allocate(0);
        for (int i = 0; i < dimensions; i++) {
            if (!block.hasRemaining()) {
                sha256.update(seed);
                sha256.update(ByteBuffer.allocate(Integer.BYTES).putInt(i / 8).array());
                block = ByteBuffer.wrap(sha256.digest());
            }
            raw[i] = block.getInt() / 2_147_483_648.0;
        }
        double norm = 0;
        for (double x : raw) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        float[] out = new float[dimensions];
        for (int i = 0; i < dimensions; i++) {
            out[i] = norm == 0 ? (i == 0 ? 1f : 0f) : (float) (raw[i] / norm);
        }
        return out;
    }

    /** OpenAI's base64 embedding: the float32 values, little-endian, back to back. */
    static String base64(float[] vector) {
        ByteBuffer buf = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : vector) {
            buf.putFloat(f);
        }
        return Base64.getEncoder().encodeToString(buf.array());
    }

    /** The pieces of a text; none when it holds no word. */
    static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = PIECE.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return List.copyOf(out);
    }

    private static long words(String text) {
        long n = 0;
        Matcher m = PIECE.matcher(text);
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static long words(List<String> texts) {
        return texts.stream().mapToLong(EchoRelay::words).sum();
    }

    private static Sampling sampling(JsonNode body) {
        JsonNode n = body.path("n");
        if (n.isIntegralNumber() && n.longValue() != 1) {
            throw new InvalidRequest("n", "n must be 1: the echo backend returns one choice per prompt.");
        }
        JsonNode includeUsage = body.path("stream_options").path("include_usage");
        if (!includeUsage.isMissingNode() && !includeUsage.isNull() && !includeUsage.isBoolean()) {
            throw new InvalidRequest("stream_options", "stream_options.include_usage must be a boolean.");
        }
        return new Sampling(
                body.path("stream").asBoolean(false),
                includeUsage.asBoolean(false),
                new Limits(maxWords(body), stops(body)));
    }

    /** {@code max_completion_tokens} (OpenAI's current name) or {@code max_tokens}. */
    private static Long maxWords(JsonNode body) {
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            JsonNode v = body.path(field);
            if (v.isIntegralNumber()) {
                if (v.longValue() < 1) {
                    throw new InvalidRequest(field, field + " must be at least 1.");
                }
                return v.longValue();
            }
        }
        return null;
    }

    /** {@code stop}: a string or a list of strings; an empty string stops nothing. */
    private static List<String> stops(JsonNode body) {
        JsonNode v = body.path("stop");
        if (v.isTextual()) {
            return v.textValue().isEmpty() ? List.of() : List.of(v.textValue());
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : v) { // absent or null: no element
            if (!s.isTextual()) {
                throw new InvalidRequest("stop", "stop must be a string or an array of strings.");
            }
            if (!s.textValue().isEmpty()) {
                out.add(s.textValue());
            }
        }
        return out;
    }

    /** {@code prompt}, {@code input}: a string or a non-empty list of strings (words are what this backend counts). */
    private static List<String> texts(JsonNode v, String field) {
        if (v != null && v.isTextual()) {
            return List.of(v.textValue());
        }
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw new InvalidRequest(field, field + " must be a string or a non-empty array of strings.");
        }
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode t : v) {
            if (!t.isTextual()) {
                throw new InvalidRequest(
                        field, field + " must be a string or an array of strings; token ids are not supported.");
            }
            out.add(t.textValue());
        }
        return out;
    }

    /** Checks every message; returns the last user message's text and the words of all of them. */
    private static Conversation conversation(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new InvalidRequest("messages", "messages must be a non-empty array.");
        }
        String lastUser = "";
        long words = 0;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject()) {
                throw new InvalidRequest("messages", where + " must be an object.");
            }
            checkTypes(m, FieldTypes.CHAT_MESSAGE, "messages", where + ".");
            String role = m.path("role").asText("").toLowerCase(Locale.ROOT);
            if (!ROLES.contains(role)) {
                throw new InvalidRequest(
                        "messages", where + ".role must be system, developer, user, assistant or tool.");
            }
            checkToolCalls(m.path("tool_calls"), where);
            String text = text(m.get("content"), where, role.equals("assistant"));
            words += words(text);
            if (role.equals("user")) {
                lastUser = text;
            }
        }
        return new Conversation(lastUser, words);
    }

    /** String content, or the text parts of an array joined by a space (other parts, images and such, are skipped). */
    private static String text(JsonNode content, String where, boolean mayBeAbsent) {
        if (content == null || content.isNull()) {
            if (mayBeAbsent) {
                return ""; // an assistant message that only called tools
            }
            throw new InvalidRequest("messages", where + ".content is required.");
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        List<String> texts = new ArrayList<>();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String at = where + ".content[" + j + "]";
            if (!part.isObject() || !part.path("type").isTextual()) {
                throw new InvalidRequest("messages", at + " must be an object with a string type.");
            }
            if (part.get("type").textValue().equals("text")) {
                if (!part.path("text").isTextual()) {
                    throw new InvalidRequest("messages", at + ".text must be a string.");
                }
                texts.add(part.get("text").textValue());
            }
        }
        return String.join(" ", texts);
    }

    private static void checkToolCalls(JsonNode calls, String where) {
        for (int k = 0; k < calls.size(); k++) { // absent, null (no elements) or an array: CHAT_MESSAGE checked it
            JsonNode call = calls.get(k);
            String at = where + ".tool_calls[" + k + "]";
            if (!call.isObject()) {
                throw new InvalidRequest("messages", at + " must be an object.");
            }
            checkTypes(call, FieldTypes.TOOL_CALL, "messages", at + ".");
            checkTypes(call.path("function"), FieldTypes.TOOL_CALL_FUNCTION, "messages", at + ".function.");
        }
    }

    /**
     * Refuses the first field whose JSON type {@link FieldTypes} does not accept, worded as the translators word it:
     * one list of fields and types for every backend.
     */
    private static void checkTypes(
            JsonNode object, Map<String, Set<FieldTypes.Type>> fields, String param, String where) {
        for (var field : fields.entrySet()) {
            JsonNode v = object.get(field.getKey());
            if (v != null && !v.isNull() && field.getValue().stream().noneMatch(t -> t.matches(v))) {
                String types = field.getValue().stream().map(EchoRelay::article).collect(Collectors.joining(" or "));
                throw new InvalidRequest(
                        param == null ? field.getKey() : param, where + field.getKey() + " must be " + types + ".");
            }
        }
    }

    private static String article(FieldTypes.Type type) {
        return switch (type) {
            case STRING -> "a string";
            case BOOLEAN -> "a boolean";
            case INTEGER -> "an integer";
            case NUMBER -> "a number";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
        };
    }

    private static SseWriter startEvents(ClientChannel client) {
        return SseWriter.start(client);
    }

    /** A whole answer, with its usage in headers for the access log. */
    private static void answer(ClientChannel client, Object body, OpenAiWire.Usage usage) {
        client.header(GatewayHeaders.PROMPT_TOKENS, Long.toString(usage.promptTokens()));
        client.header(GatewayHeaders.COMPLETION_TOKENS, Long.toString(usage.completionTokens()));
        client.answer(200, "application/json", Json.bytes(body));
    }
}
