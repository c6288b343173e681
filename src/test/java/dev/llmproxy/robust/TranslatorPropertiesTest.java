package dev.llmproxy.robust;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.ollama.OllamaWire;
import dev.llmproxy.openai.ModelField;
import dev.llmproxy.support.Json;
import dev.llmproxy.translate.ChatRequests;
import dev.llmproxy.translate.ChatStream;
import dev.llmproxy.translate.NdjsonReader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Properties of the pure translators, over generated inputs. */
class TranslatorPropertiesTest {
    record Message(String role, String content) {}

    @Provide
    Arbitrary<Message> messages() {
        return Combinators.combine(
                        Arbitraries.of("system", "developer", "user", "assistant"),
                        Arbitraries.strings().ofMaxLength(200))
                .as(Message::new);
    }

    @Property(tries = 300)
    void anyValidChatRequestTranslatesAndKeepsItsContent(
            @ForAll @Size(min = 1, max = 8) List<@From("messages") Message> messages,
            @ForAll @IntRange(min = 1, max = 100_000) int maxTokens,
            @ForAll boolean stream,
            @ForAll boolean newName)
            throws Exception {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", "ollama:m");
        ArrayNode list = body.putArray("messages");
        messages.forEach(m -> list.addObject().put("role", m.role()).put("content", m.content()));
        body.put(newName ? "max_completion_tokens" : "max_tokens", maxTokens);
        body.put("stream", stream);
        var call = ChatRequests.translate(body, "m");
        assertEquals(stream, call.stream());
        assertEquals(messages.size(), call.request().messages().size());
        for (int i = 0; i < messages.size(); i++) {
            assertEquals(
                    messages.get(i).content(), call.request().messages().get(i).content());
            String role = messages.get(i).role().equals("developer")
                    ? "system"
                    : messages.get(i).role();
            assertEquals(role, call.request().messages().get(i).role());
        }
        assertEquals((long) maxTokens, call.request().options().get("num_predict"));
        // The native request is valid JSON that says the same thing.
        JsonNode sent = Json.MAPPER.readTree(Json.bytes(call.request()));
        assertEquals("m", sent.path("model").asText());
    }

    @Property(tries = 300)
    void modelRewriteKeepsEveryOtherField(
            @ForAll @Size(max = 6) Map<@From("keys") String, String> fields,
            @ForAll @IntRange(min = 0, max = 6) int position)
            throws Exception {
        ObjectNode body = Json.MAPPER.createObjectNode();
        List<Map.Entry<String, String>> entries = new ArrayList<>(fields.entrySet());
        int at = Math.min(position, entries.size());
        for (int i = 0; i <= entries.size(); i++) {
            if (i == at) {
                body.put("model", "vllm:llama3");
            }
            if (i < entries.size()) {
                body.put(entries.get(i).getKey(), entries.get(i).getValue());
            }
        }
        byte[] raw = Json.bytes(body);
        byte[] rewritten = ModelField.read(raw).withModel("llama3");
        JsonNode expected = body.deepCopy();
        ((ObjectNode) expected).put("model", "llama3");
        assertEquals(expected, Json.MAPPER.readTree(rewritten));
        assertEquals(raw.length - "vllm:".length(), rewritten.length, "only the prefix went");
    }

    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12).filter(k -> !k.equals("model"));
    }

    @Property(tries = 300)
    void ndjsonLinesSurviveAnyReadBoundaries(
            @ForAll @Size(max = 20) List<@From("lines") String> lines, @ForAll @IntRange(min = 1, max = 17) int piece)
            throws Exception {
        byte[] bytes = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        var in = new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, piece));
            }
        };
        NdjsonReader reader = new NdjsonReader(in);
        List<String> read = new ArrayList<>();
        for (String l; (l = reader.next()) != null; ) {
            read.add(l);
        }
        assertEquals(lines.stream().filter(l -> !l.isBlank()).toList(), read);
    }

    @Provide
    Arbitrary<String> lines() {
        return Arbitraries.strings()
                .ofMaxLength(40)
                .excludeChars('\n')
                .withCharRange(' ', '\uFFFD')
                .filter(s -> s.chars().noneMatch(c -> Character.isSurrogate((char) c)))
                .map(s -> s + "😀é");
    }

    @Property(tries = 300)
    void streamedContentIsTheConcatenationOfTheTokens(
            @ForAll @Size(min = 1, max = 30) List<@From("tokens") String> tokens, @ForAll boolean length) {
        ChatStream stream = new ChatStream("id", 1L, "ollama:m", true);
        StringBuilder out = new StringBuilder();
        List<String> finishes = new ArrayList<>();
        for (String t : tokens) {
            stream.next(new OllamaWire.Chunk(
                            "m",
                            null,
                            new OllamaWire.Message("assistant", t, null, null, null, null, null),
                            null,
                            null,
                            false,
                            null,
                            null,
                            null,
                            null))
                    .forEach(c -> c.choices().forEach(ch -> {
                        if (ch.delta().content() != null) {
                            out.append(ch.delta().content());
                        }
                    }));
        }
        var last = stream.next(new OllamaWire.Chunk(
                "m",
                null,
                new OllamaWire.Message("assistant", "", null, null, null, null, null),
                null,
                null,
                true,
                length ? "length" : "stop",
                3L,
                (long) tokens.size(),
                null));
        last.forEach(c -> c.choices().forEach(ch -> finishes.add(ch.finishReason())));
        assertEquals(String.join("", tokens), out.toString());
        assertEquals(List.of(length ? "length" : "stop"), finishes);
        assertEquals(tokens.size(), last.get(last.size() - 1).usage().completionTokens());
        assertTrue(stream.finished());
    }

    @Provide
    Arbitrary<String> tokens() {
        return Arbitraries.strings().ofMaxLength(10);
    }
}
