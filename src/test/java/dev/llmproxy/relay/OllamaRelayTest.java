package dev.llmproxy.relay;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.backends.ModelRef;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.Endpoint;
import dev.llmproxy.metrics.Metrics;
import dev.llmproxy.ollama.OllamaClient;
import dev.llmproxy.testing.FakeOllama;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Ollama relay against the fake Ollama, with no web server: what a client would receive, and when it leaves. */
class OllamaRelayTest {
    static FakeOllama ollama;
    static OllamaRelay relay;
    static dev.llmproxy.backends.Backends backends;

    @BeforeAll
    static void start() throws Exception {
        ollama = new FakeOllama();
        var config = ConfigLoader.load(Map.of(
                "TOKENS_JSON",
                "[{\"token\":\"sk-relay-test-0123\",\"label\":\"t\"}]",
                "OLLAMA_BASE_URL",
                ollama.baseUrl()));
        backends = config.backends();
        relay = new OllamaRelay(
                new OllamaClient(
                        config.backends().byName("ollama").orElseThrow(),
                        config.upstreamConnectTimeout(),
                        config.upstreamReadTimeout()),
                new Metrics(),
                "ollama");
    }

    @AfterAll
    static void stop() {
        ollama.close();
    }

    static byte[] chat(String model, boolean stream) {
        return ("{\"model\":\"ollama:" + model + "\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    static ModelRef model(String name) {
        return backends.route("ollama:" + name).orElseThrow();
    }

    @Test
    void aStreamIsFramedEventByEventAndEndsWithDone() {
        var client = new FakeClientChannel();
        relay.serve(client, Endpoint.CHAT_COMPLETIONS, chat("llama3.2", true), model("llama3.2"), "req-1", "t");
        assertEquals(200, client.status);
        assertTrue(client.contentType.startsWith("text/event-stream"));
        assertEquals("no", client.headers.get("X-Accel-Buffering"));
        String text = client.text();
        assertTrue(text.startsWith("data: {\"id\":\"chatcmpl-"), text);
        assertTrue(text.endsWith("data: [DONE]\n\n"), text);
        assertTrue(client.flushes.size() > 2, "flushed as it went: " + client.flushes.size());
    }

    @Test
    void aStreamThatFailsEndsWithTheCatalogsErrorEventAndNoDone() {
        var client = new FakeClientChannel();
        relay.serve(client, Endpoint.CHAT_COMPLETIONS, chat("broken", true), model("broken"), "req-2", "t");
        assertTrue(client.text().contains("\"code\":\"backend_error\""), client.text());
        assertFalse(client.text().contains("[DONE]"), client.text());
    }

    @Test
    void aWholeAnswerCarriesItsUsageForTheLog() {
        var client = new FakeClientChannel();
        relay.serve(client, Endpoint.CHAT_COMPLETIONS, chat("llama3.2", false), model("llama3.2"), "req-3", "t");
        assertEquals(200, client.status);
        assertFalse(client.streamed);
        assertTrue(client.text().contains("\"object\":\"chat.completion\""), client.text());
        assertNotNull(client.headers.get("X-LLM-Prompt-Tokens"));
    }

    @Test
    void anUnknownModelIsAnErrorBeforeAnyByte() {
        var client = new FakeClientChannel();
        var e = assertThrows(
                ApiException.class,
                () -> relay.serve(
                        client,
                        Endpoint.CHAT_COMPLETIONS,
                        chat("nonexistent", false),
                        model("nonexistent"),
                        "req-4",
                        "t"));
        assertEquals("model_not_found", e.error().code());
        assertEquals(0, client.status, "nothing was answered");
    }

    @Test
    void aClientThatLeavesClosesTheOllamaRequestAtOnce() throws Exception {
        ollama.reset();
        var client = new FakeClientChannel();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var serving = pool.submit(() ->
                    relay.serve(client, Endpoint.CHAT_COMPLETIONS, chat("slow", false), model("slow"), "req-5", "t"));
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (ollama.active() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            client.leave();
            serving.get(2, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (ollama.disconnects().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, ollama.disconnects().size(), "Ollama saw its request closed");
        assertEquals(0, client.status, "nothing is answered to a client that left");
    }

    @Test
    void aLaterPromptThatFailsEndsTheStartedStreamWithItsErrorAndNoDone() {
        var client = new FakeClientChannel();
        byte[] body = ("{\"model\":\"ollama:llama3.2\",\"stream\":true,\"prompt\":[\"Hi\",\""
                        + FakeOllama.FAILING_PROMPT + "\"]}")
                .getBytes(StandardCharsets.UTF_8);
        relay.serve(client, Endpoint.COMPLETIONS, body, model("llama3.2"), "req-6", "t");
        assertTrue(client.streamed, "the first prompt's stream had started");
        assertTrue(client.text().contains("\"code\":\"backend_error\""), client.text());
        assertFalse(client.text().contains("[DONE]"), client.text());
    }
}
