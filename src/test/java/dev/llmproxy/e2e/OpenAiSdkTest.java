package dev.llmproxy.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.testing.Ports;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK against the gateway (nginx + sidecar): how users will call it. */
@Integration
class OpenAiSdkTest {
    static final String TOKEN = "sk-sdk-user-0123456789";
    static final String LIMITED = "sk-sdk-limited-0123456789";
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = Gateway.start(
                "[{\"token\":\"" + TOKEN + "\",\"label\":\"sdk\",\"rpm\":1000}," + "{\"token\":\"" + LIMITED
                        + "\",\"label\":\"sdk-limited\",\"rpm\":1}]",
                Map.of(
                        "BACKENDS_JSON",
                        "[{\"name\":\"vllm\",\"type\":\"openai\",\"urls\":[\"{vllm}/v1\"],\"api_key_env\":\"SDK_VLLM_KEY\","
                                + "\"models\":[\"llama3\"]},{\"name\":\"ollama\",\"type\":\"ollama\",\"urls\":[\"{ollama}\"]},"
                                + "{\"name\":\"echo\",\"type\":\"echo\"},"
                                + "{\"name\":\"deadm\",\"type\":\"openai\",\"urls\":[\"http://127.0.0.1:"
                                + Ports.free() + "\"],\"models\":[\"m1\"]}]",
                        "SDK_VLLM_KEY",
                        Gateway.VLLM_KEY,
                        "DEFAULT_BACKEND",
                        "vllm"));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static OpenAIClient client(String token) {
        return OpenAIOkHttpClient.builder()
                .baseUrl(gw.url("/v1").toString())
                .apiKey(token)
                .maxRetries(0)
                .build();
    }

    static ChatCompletionCreateParams chat(String model) {
        return ChatCompletionCreateParams.builder()
                .model(model)
                .addUserMessage("Hello")
                .build();
    }

    @Test
    void chatCompletion() {
        ChatCompletion c = client(TOKEN).chat().completions().create(chat("vllm:llama3"));
        assertEquals("Hello from vLLM", c.choices().get(0).message().content().orElseThrow());
        assertEquals("llama3", gw.vllm.last().json().path("model").asText());
    }

    @Test
    void streamingChatCompletion() {
        List<String> pieces = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream =
                client(TOKEN).chat().completions().createStreaming(chat("vllm:llama3"))) {
            stream.stream()
                    .forEach(chunk ->
                            chunk.choices().forEach(ch -> ch.delta().content().ifPresent(pieces::add)));
        }
        assertEquals("tok0 tok1 tok2 tok3 tok4 ", String.join("", pieces));
    }

    @Test
    void embeddingsAndModels() {
        var e = client(TOKEN)
                .embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("vllm:llama3")
                        .input("hi")
                        .build());
        assertEquals(List.of(0.125f, -0.5f, 0.25f), e.data().get(0).embedding());
        List<String> ids =
                client(TOKEN).models().list().data().stream().map(Model::id).toList();
        assertTrue(ids.contains("vllm:llama3"), ids.toString());
    }

    @Test
    void rateLimitIsTheSdksRateLimitException() {
        client(LIMITED).chat().completions().create(chat("llama3"));
        var e = assertThrows(
                RateLimitException.class,
                () -> client(LIMITED).chat().completions().create(chat("llama3")));
        assertEquals(429, e.statusCode());
        assertEquals("rate_limit_exceeded", e.code().orElse(null));
        assertTrue(e.headers().values("retry-after").size() == 1);
    }

    @Test
    void unknownTokenIsTheSdksUnauthorizedException() {
        var e = assertThrows(
                UnauthorizedException.class,
                () -> client("sk-wrong-0123456789").chat().completions().create(chat("llama3")));
        assertEquals(401, e.statusCode());
    }

    @Test
    void theEchoBackendAnswersTheSdkWholeAndStreamed() {
        var params = ChatCompletionCreateParams.builder()
                .model("echo")
                .addUserMessage("say exactly this")
                .build();
        ChatCompletion c = client(TOKEN).chat().completions().create(params);
        assertEquals("say exactly this", c.choices().get(0).message().content().orElseThrow());
        assertEquals(3, c.usage().orElseThrow().completionTokens());
        List<String> pieces = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream =
                client(TOKEN).chat().completions().createStreaming(params)) {
            stream.stream()
                    .forEach(chunk ->
                            chunk.choices().forEach(ch -> ch.delta().content().ifPresent(pieces::add)));
        }
        assertEquals("say exactly this", String.join("", pieces));
        assertTrue(pieces.size() >= 3, "word by word: " + pieces);
        var e = client(TOKEN)
                .embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("echo:any")
                        .input("hi")
                        .build());
        assertEquals(16, e.data().get(0).embedding().size());
    }

    /** What the README's quick start does, with an app that checks its model first: retrieve, then chat. */
    @Test
    void aModelRetrievedByTheNameAChatUsesIsTheOneThatAnswers() {
        for (String[] named : new String[][] {{"echo", "echo"}, {"llama3", "vllm"}, {"llama3.2", "ollama"}}) {
            Model m = client(TOKEN).models().retrieve(named[0]);
            assertEquals(named[0], m.id());
            assertEquals(named[1], m.ownedBy());
            assertFalse(
                    client(TOKEN)
                            .chat()
                            .completions()
                            .create(chat(named[0]))
                            .choices()
                            .isEmpty(),
                    named[0]);
        }
        // A backend that cannot be reached: the same 502 for the lookup as for the call, not "not served".
        var lookup = assertThrows(
                com.openai.errors.InternalServerException.class,
                () -> client(TOKEN).models().retrieve("deadm:m1"));
        assertEquals(502, lookup.statusCode());
        assertEquals("backend_unavailable", lookup.code().orElse(null));
        var call = assertThrows(
                com.openai.errors.InternalServerException.class,
                () -> client(TOKEN).chat().completions().create(chat("deadm:m1")));
        assertEquals(502, call.statusCode());
        assertEquals("backend_unavailable", call.code().orElse(null));
    }

    @Test
    void oneModelIsRetrievedByItsIdAndAnUnknownOneIsNotFound() {
        Model m = client(TOKEN).models().retrieve("vllm:llama3");
        assertEquals("vllm:llama3", m.id());
        assertEquals("vllm", m.ownedBy());
        Model alias = client(TOKEN).models().retrieve("echo:echo");
        assertEquals("echo", alias.ownedBy());
        var e = assertThrows(
                com.openai.errors.NotFoundException.class,
                () -> client(TOKEN).models().retrieve("vllm:nope"));
        assertEquals(404, e.statusCode());
        assertEquals("model_not_found", e.code().orElse(null));
    }
}
