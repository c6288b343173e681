package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Ollama behind the whole gateway (real nginx + sidecar), called with the official OpenAI Java SDK. */
@Integration
class OllamaGatewayTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "sk-ollama-user-0123456789";
    static Gateway gw;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        gw = Gateway.start(
                "[{\"token\":\"" + TOKEN + "\",\"label\":\"ollama-user\"}]", Map.of("DEFAULT_BACKEND", "ollama"));
        client = OpenAIOkHttpClient.builder()
                .baseUrl(gw.url("/v1").toString())
                .apiKey(TOKEN)
                .maxRetries(0)
                .build();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @BeforeEach
    void clear() {
        gw.ollama.reset();
    }

    static ChatCompletionCreateParams.Builder chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Hello");
    }

    @Test
    void chatCompletion() {
        ChatCompletion c = client.chat()
                .completions()
                .create(chat("ollama:llama3.2").maxCompletionTokens(100).build());
        assertEquals(
                "Hél" + "lo from Ollama 😀",
                c.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
        assertEquals("ollama:llama3.2", c.model());
        assertTrue(c.id().startsWith("chatcmpl-"));
        assertEquals(5, c.usage().orElseThrow().completionTokens());
        JsonNode sent = gw.ollama.last().body();
        assertEquals("llama3.2", sent.path("model").asText());
        assertFalse(sent.path("stream").asBoolean(true), "non-streamed: asked Ollama for one answer");
        assertEquals(100, sent.path("options").path("num_predict").asInt(), "max_completion_tokens honoured");
    }

    @Test
    void unprefixedModelUsesTheDefaultBackend() {
        assertEquals(
                "llama3.2",
                client.chat().completions().create(chat("llama3.2").build()).model());
        assertEquals("/api/chat", gw.ollama.last().path());
    }

    @Test
    @SuppressWarnings("deprecation") // max_tokens: deprecated by OpenAI, still what most clients send
    void lengthStop() {
        ChatCompletion c = client.chat()
                .completions()
                .create(chat("ollama:llama3.2").maxTokens(2).build());
        assertEquals(
                ChatCompletion.Choice.FinishReason.LENGTH, c.choices().get(0).finishReason());
        assertEquals("Hél" + "lo", c.choices().get(0).message().content().orElseThrow());
    }

    @Test
    void streamingChatWithUsage() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat()
                .completions()
                .createStreaming(chat("ollama:llama3.2")
                        .streamOptions(ChatCompletionStreamOptions.builder()
                                .includeUsage(true)
                                .build())
                        .build())) {
            s.stream().forEach(chunks::add);
        }
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
        assertEquals("Hél" + "lo from Ollama 😀", text.toString());
        assertEquals(
                ChatCompletionChunk.Choice.Delta.Role.ASSISTANT,
                chunks.get(0).choices().get(0).delta().role().orElseThrow());
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertTrue(last.choices().isEmpty());
        assertEquals(5, last.usage().orElseThrow().completionTokens());
        assertEquals(
                ChatCompletionChunk.Choice.FinishReason.STOP,
                chunks.get(chunks.size() - 2).choices().get(0).finishReason().orElseThrow());
        assertEquals(1, chunks.stream().map(ChatCompletionChunk::id).distinct().count(), "one id for the whole stream");
    }

    @Test
    void linesAndCharactersCutAcrossReadsArriveWhole() {
        gw.ollama.splitWrites = true;
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = client.chat()
                .completions()
                .createStreaming(chat("ollama:llama3.2").build())) {
            s.stream()
                    .forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
        }
        assertEquals("Hél" + "lo from Ollama 😀", text.toString());
    }

    @Test
    void toolCallRoundTrip() {
        var tool = ChatCompletionFunctionTool.builder()
                .function(FunctionDefinition.builder()
                        .name("get_weather")
                        .parameters(FunctionParameters.builder()
                                .putAdditionalProperty("type", JsonValue.from("object"))
                                .build())
                        .build())
                .build();
        ChatCompletion first = client.chat()
                .completions()
                .create(chat("ollama:llama3.2").addTool(tool).build());
        assertEquals(
                ChatCompletion.Choice.FinishReason.TOOL_CALLS,
                first.choices().get(0).finishReason());
        ChatCompletionMessageToolCall call =
                first.choices().get(0).message().toolCalls().orElseThrow().get(0);
        assertEquals("get_weather", call.asFunction().function().name());
        assertEquals("{\"city\":\"Paris\"}", call.asFunction().function().arguments());

        ChatCompletion second = client.chat()
                .completions()
                .create(chat("ollama:llama3.2")
                        .addTool(tool)
                        .addMessage(first.choices().get(0).message())
                        .addMessage(ChatCompletionToolMessageParam.builder()
                                .toolCallId(call.asFunction().id())
                                .content("18C and sunny")
                                .build())
                        .build());
        assertEquals(
                "The tool said: 18C and sunny",
                second.choices().get(0).message().content().orElseThrow());
        JsonNode sent = gw.ollama.last().body().path("messages");
        assertEquals(
                "Paris",
                sent.get(1)
                        .path("tool_calls")
                        .get(0)
                        .path("function")
                        .path("arguments")
                        .path("city")
                        .asText(),
                "arguments went back to Ollama as an object");
        assertEquals("get_weather", sent.get(2).path("tool_name").asText(), "tool name found from the call id");
    }

    @Test
    void streamedToolCall() {
        var tool = ChatCompletionFunctionTool.builder()
                .function(FunctionDefinition.builder().name("lookup").build())
                .build();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (var s = client.chat()
                .completions()
                .createStreaming(chat("ollama:llama3.2").addTool(tool).build())) {
            s.stream().forEach(chunks::add);
        }
        var calls = chunks.stream()
                .flatMap(c -> c.choices().stream())
                .flatMap(ch -> ch.delta().toolCalls().orElse(List.of()).stream())
                .toList();
        assertEquals(1, calls.size());
        assertEquals(0, calls.get(0).index());
        assertEquals("lookup", calls.get(0).function().orElseThrow().name().orElseThrow());
        assertEquals(
                ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS,
                chunks.get(chunks.size() - 1).choices().get(0).finishReason().orElseThrow());
    }

    @Test
    void jsonMode() {
        ChatCompletion c = client.chat()
                .completions()
                .create(chat("ollama:llama3.2")
                        .responseFormat(ResponseFormatJsonObject.builder().build())
                        .build());
        assertEquals("{\"answer\": 42}", c.choices().get(0).message().content().orElseThrow());
        assertEquals("json", gw.ollama.last().body().path("format").asText());
    }

    @Test
    void completionsWithOneChoicePerPrompt() {
        var c = client.completions()
                .create(CompletionCreateParams.builder()
                        .model("ollama:llama3.2")
                        .prompt(CompletionCreateParams.Prompt.ofArrayOfStrings(List.of("Tell me", "Tell you")))
                        .build());
        assertEquals(2, c.choices().size());
        assertEquals("Once upon a time", c.choices().get(1).text());
        assertEquals(1, c.choices().get(1).index());
        assertEquals(
                2,
                gw.ollama.received().stream()
                        .filter(r -> r.path().equals("/api/generate"))
                        .count());

        StringBuilder text = new StringBuilder();
        try (var s = client.completions()
                .createStreaming(CompletionCreateParams.builder()
                        .model("ollama:llama3.2")
                        .prompt("Tell me")
                        .build())) {
            s.stream().forEach(ch -> ch.choices().forEach(t -> text.append(t.text())));
        }
        assertEquals("Once upon a time", text.toString());
    }

    @Test
    void embeddingsFloatAndBase64() {
        var floats = client.embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("ollama:llama3.2")
                        .input("hello")
                        .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT)
                        .build());
        List<Float> v = floats.data().get(0).embedding();
        assertEquals(4, v.size());
        // The SDK decodes base64 itself: same numbers, fewer bytes on the wire.
        var viaBase64 = client.embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("ollama:llama3.2")
                        .input("hello")
                        .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64)
                        .build());
        assertEquals(v, viaBase64.data().get(0).embedding());
        var raw = Http.post(
                gw.url("/v1/embeddings"),
                "{\"model\":\"ollama:llama3.2\",\"input\":[\"a\",\"bb\"],\"encoding_format\":\"base64\"}",
                "Authorization",
                bearer(TOKEN));
        JsonNode data = readJson(raw.body()).path("data");
        assertEquals(2, data.size());
        var buf = ByteBuffer.wrap(
                        Base64.getDecoder().decode(data.get(1).path("embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(16, buf.remaining());
    }

    @Test
    void modelsListBothBackends() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        assertTrue(ids.contains("ollama:llama3.2:latest"), ids.toString());
        assertTrue(ids.contains("vllm:llama3"), ids.toString());
    }

    @Test
    void unknownModelIs404ModelNotFound() {
        var e = assertThrows(
                NotFoundException.class,
                () -> client.chat().completions().create(chat("ollama:nope").build()));
        assertEquals("model_not_found", e.code().orElse(null));
        assertTrue(e.getMessage().contains("ollama:nope"), e.getMessage());
    }

    @Test
    void errorMidStreamIsAnErrorNotANormalEnd() throws Exception {
        var r = Http.post(
                gw.url("/v1/chat/completions"),
                "{\"model\":\"ollama:broken\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                "Authorization",
                bearer(TOKEN));
        assertEquals(200, r.statusCode());
        assertFalse(r.body().contains("[DONE]"), r.body());
        assertTrue(
                r.body()
                        .contains(
                                "\"error\":{\"message\":\"The ollama backend failed: llama runner process has terminated"),
                r.body());
        assertThrows(OpenAIException.class, () -> {
            try (var s = client.chat()
                    .completions()
                    .createStreaming(chat("ollama:broken").build())) {
                s.stream().forEach(c -> {});
            }
        });
        var dropped = Http.post(
                gw.url("/v1/chat/completions"),
                "{\"model\":\"ollama:dropping\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                "Authorization",
                bearer(TOKEN));
        assertFalse(dropped.body().contains("[DONE]"), dropped.body());
        assertTrue(dropped.body().contains("\"error\""), dropped.body());
    }

    @Test
    void clientAbortMidStreamClosesTheOllamaRequestWithinASecond() throws Exception {
        gw.ollama.tokenDelayMillis = 100;
        var req = HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                .header("Authorization", bearer(TOKEN))
                .POST(
                        HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"ollama:slow\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .build();
        HttpResponse<InputStream> r = Http.client().send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        InputStream in = r.body();
        assertTrue(in.read(new byte[32]) > 0);
        long abortedAt = System.nanoTime();
        in.close();
        awaitDisconnect(abortedAt);
    }

    @Test
    void clientAbortWhileWaitingForAWholeAnswerClosesTheOllamaRequestWithinASecond() throws Exception {
        gw.ollama.tokenDelayMillis = 100; // 50 tokens: 5 s before Ollama would answer
        var req = HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                .header("Authorization", bearer(TOKEN))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"ollama:slow\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .build();
        var pending = Http.client().sendAsync(req, HttpResponse.BodyHandlers.ofString());
        Thread.sleep(500);
        long abortedAt = System.nanoTime();
        pending.cancel(true);
        awaitDisconnect(abortedAt);
    }

    @Test
    void clientAbortAfterOnePromptOfSeveralWasAnsweredClosesTheOthers() throws Exception {
        gw.ollama.tokenDelayMillis = 100; // "quick" is answered at once, the other prompt takes 5 s
        var req = HttpRequest.newBuilder(gw.url("/v1/completions"))
                .header("Authorization", bearer(TOKEN))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"ollama:slow\",\"prompt\":[\"quick\",\"long\"]}"))
                .build();
        var pending = Http.client().sendAsync(req, HttpResponse.BodyHandlers.ofString());
        Thread.sleep(800);
        long abortedAt = System.nanoTime();
        pending.cancel(true);
        awaitDisconnect(abortedAt);
    }

    private static void awaitDisconnect(long abortedAt) throws InterruptedException {
        while (gw.ollama.disconnects().isEmpty() && System.nanoTime() - abortedAt < 3_000_000_000L) {
            Thread.sleep(10);
        }
        long millis = (System.nanoTime() - abortedAt) / 1_000_000;
        assertFalse(gw.ollama.disconnects().isEmpty(), "Ollama never saw the request closed");
        assertTrue(millis < 1000, "Ollama saw the disconnect only after " + millis + " ms");
        assertEquals("slow", gw.ollama.disconnects().get(0).model());
    }

    static JsonNode readJson(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
