package dev.llmproxy.translate;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.ollama.OllamaWire;
import dev.llmproxy.support.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pure translators against golden files in src/test/resources/golden: an OpenAI request in, the
 * native request out; Ollama's NDJSON in, the SSE frames out. Streams are fed a few bytes at a time, so
 * lines and multi-byte characters arrive cut.
 */
class GoldenTranslationTest {
    static final ObjectMapper PLAIN = new ObjectMapper();
    static final Path DIR = Path.of("src/test/resources/golden");

    static String read(String name) throws IOException {
        return Files.readString(DIR.resolve(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"chat_text", "chat_tools", "chat_json_schema"})
    void chatRequests(String name) throws Exception {
        JsonNode openai = Json.MAPPER.readTree(read(name + ".openai.json"));
        var call = ChatRequests.translate(openai, "llama3.2");
        assertEquals(PLAIN.readTree(read(name + ".ollama.json")), PLAIN.readTree(Json.text(call.request())));
    }

    @ParameterizedTest
    @CsvSource({
        "chat_stream_text, true",
        "chat_stream_tool_call, false",
        "chat_stream_length, false",
        "chat_stream_error, false"
    })
    void chatStreams(String name, boolean includeUsage) throws Exception {
        for (int piece : new int[] {1, 2, 3, 7, 4096}) {
            assertEquals(
                    read(name + ".sse"),
                    translateStream(read(name + ".ndjson"), includeUsage, piece),
                    name + " in pieces of " + piece);
        }
    }

    static String translateStream(String ndjson, boolean includeUsage, int piece) throws IOException {
        var reader = new NdjsonReader(trickle(ndjson.getBytes(StandardCharsets.UTF_8), piece));
        var stream = new ChatStream("chatcmpl-test", 1764496800L, "ollama:llama3.2", includeUsage);
        StringBuilder out = new StringBuilder();
        try {
            for (String line; (line = reader.next()) != null; ) {
                for (var chunk : stream.next(Json.MAPPER.readValue(line, OllamaWire.Chunk.class))) {
                    out.append("data: ").append(Json.text(chunk)).append("\n\n");
                }
                if (stream.finished()) {
                    out.append("data: [DONE]\n\n");
                    break;
                }
            }
        } catch (UpstreamFailure e) {
            out.append("error: ").append(e.getMessage()).append('\n');
        }
        return out.toString();
    }

    /** An InputStream that hands out at most {@code piece} bytes per read. */
    static InputStream trickle(byte[] bytes, int piece) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, piece));
            }
        };
    }
}
