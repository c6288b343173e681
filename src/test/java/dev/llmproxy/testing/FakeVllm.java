package dev.llmproxy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for vLLM's OpenAI-compatible server, faithful to its wire format (JSON bodies, server-sent
 * events ending in {@code data: [DONE]}, {@code {"error":{...}}} errors, 401 without the --api-key), that
 * records every request it receives.
 */
public final class FakeVllm implements AutoCloseable {
    static {
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final List<String> MODELS = List.of("llama3", "meta-llama/Llama-3.1-8B-Instruct");
    /** A model that takes {@link #slowMillis} before answering anything. */
    public static final String SLOW_MODEL = "slow";

    public volatile long slowMillis = 3_000;

    /** One request as vLLM saw it. Header names are lower-cased. */
    public record Received(String method, String path, Map<String, String> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    private final HttpServer server;
    private final String apiKey;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    /** Whether requests are kept for {@link #received()}; a load test sending large bodies turns it off. */
    public volatile boolean recording = true;
    /** Gap between streamed events. */
    public volatile long streamDelayMillis = 100;

    public volatile int streamChunks = 5;
    private final AtomicInteger openStreams = new AtomicInteger();
    private final AtomicInteger listings = new AtomicInteger();
    /** What this server lists and serves; {@link #MODELS} unless a test moves a model to or from it. */
    public volatile List<String> models = MODELS;

    public FakeVllm(String apiKey) throws IOException {
        this(apiKey, 0);
    }

    /** On {@code port} (0: any free one): a replica brought back comes back where it was. */
    public FakeVllm(String apiKey, int port) throws IOException {
        this(apiKey, port, null);
    }

    /** Over TLS with {@code tls} (a remote provider's server), or plain HTTP when null. */
    public FakeVllm(String apiKey, int port, javax.net.ssl.SSLContext tls) throws IOException {
        this.apiKey = apiKey;
        if (tls == null) {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 200);
        } else {
            var https = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", port), 200);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
            server = https;
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** How many times the model list ({@code GET /v1/models}) was asked for: not kept in {@link #received()}. */
    public int listings() {
        return listings.get();
    }

    public List<Received> received() {
        return received;
    }

    public Received last() {
        if (received.isEmpty()) {
            throw new AssertionError("vLLM received nothing");
        }
        return received.get(received.size() - 1);
    }

    public void reset() {
        received.clear();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!recording && "POST".equals(ex.getRequestMethod()) && contentLength(ex) > 64 * 1024) {
                drain(ex); // a load of large prompts: read them as cheaply as possible, answer a fixed completion
                answer(ex, "{\"model\":\"llama3\"}", "chat.completion");
                return;
            }
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> headers = new TreeMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
            if (ex.getRequestMethod().equals("GET")
                    && ex.getRequestURI().getPath().equals("/v1/models")) {
                listings.incrementAndGet(); // the gateway's discovery, on its own schedule: not kept as a call
            } else if (recording) {
                received.add(
                        new Received(ex.getRequestMethod(), ex.getRequestURI().toString(), headers, body));
            }

            if (apiKey != null && !("Bearer " + apiKey).equals(headers.get("authorization"))) {
                send(ex, 401, "{\"error\":\"Unauthorized\"}");
                return;
            }
            String path = ex.getRequestURI().getPath();
            switch (ex.getRequestMethod() + " " + path) {
                case "GET /v1/models" -> send(ex, 200, models());
                case "POST /v1/chat/completions" -> answer(ex, body, "chat.completion");
                case "POST /v1/completions" -> answer(ex, body, "text_completion");
                case "POST /v1/embeddings" -> embeddings(ex, body);
                case "POST /v1/responses" -> send(ex, 200, response(body));
                case "POST /v1/rerank", "POST /rerank", "POST /v2/rerank" -> send(ex, 200, rerank(body));
                case "POST /v1/score" -> send(ex, 200, score(body));
                default -> send(ex, 404, "{\"detail\":\"Not Found\"}");
            }
        }
    }

    private static long contentLength(HttpExchange ex) {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        return length == null ? -1 : Long.parseLong(length);
    }

    private static void drain(HttpExchange ex) throws IOException {
        byte[] buf = new byte[64 * 1024];
        var in = ex.getRequestBody();
        while (in.read(buf) >= 0) {
            // discarded
        }
    }

    private void answer(HttpExchange ex, String raw, String object) throws IOException {
        JsonNode req = JSON.readTree(raw);
        String model = req.path("model").asText();
        if (model.equals(SLOW_MODEL)) {
            sleep(slowMillis);
        } else if (!models.contains(model)) {
            send(
                    ex,
                    404,
                    "{\"error\":{\"message\":\"The model `" + model
                            + "` does not exist.\",\"type\":\"NotFoundError\",\"param\":\"model\",\"code\":404}}");
            return;
        }
        String id = (object.equals("chat.completion") ? "chatcmpl-" : "cmpl-") + ids.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        if (req.path("stream").asBoolean(false)) {
            stream(ex, id, created, model, object);
            return;
        }
        String choice = object.equals("chat.completion")
                ? "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello from vLLM\",\"tool_calls\":[]},\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":null}"
                : "{\"index\":0,\"text\":\"Hello from vLLM\",\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":null}";
        send(
                ex,
                200,
                "{\"id\":\"" + id + "\",\"object\":\"" + object + "\",\"created\":" + created + ",\"model\":\"" + model
                        + "\",\"choices\":[" + choice
                        + "],\"usage\":{\"prompt_tokens\":7,\"total_tokens\":11,\"completion_tokens\":4}}");
    }

    /** Streams still being written; one ends when it completes or when writing to the gateway fails. */
    public int openStreams() {
        return openStreams.get();
    }

    private void stream(HttpExchange ex, String id, long created, String model, String object) throws IOException {
        openStreams.incrementAndGet();
        try {
            writeStream(ex, id, created, model, object);
        } finally {
            openStreams.decrementAndGet();
        }
    }

    private void writeStream(HttpExchange ex, String id, long created, String model, String object) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        boolean chat = object.equals("chat.completion");
        String chunkObject = chat ? "chat.completion.chunk" : "text_completion";
        for (int i = 0; i < streamChunks; i++) {
            String choice = chat
                    ? "{\"index\":0,\"delta\":{" + (i == 0 ? "\"role\":\"assistant\"," : "") + "\"content\":\"tok" + i
                            + " \"},\"logprobs\":null,\"finish_reason\":null}"
                    : "{\"index\":0,\"text\":\"tok" + i
                            + " \",\"logprobs\":null,\"finish_reason\":null,\"stop_reason\":null}";
            event(
                    out,
                    "{\"id\":\"" + id + "\",\"object\":\"" + chunkObject + "\",\"created\":" + created + ",\"model\":\""
                            + model + "\",\"choices\":[" + choice + "]}");
            sleep(streamDelayMillis);
        }
        String last = chat
                ? "{\"index\":0,\"delta\":{\"content\":\"\"},\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":null}"
                : "{\"index\":0,\"text\":\"\",\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":null}";
        event(
                out,
                "{\"id\":\"" + id + "\",\"object\":\"" + chunkObject + "\",\"created\":" + created + ",\"model\":\""
                        + model + "\",\"choices\":[" + last + "]}");
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void event(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void embeddings(HttpExchange ex, String raw) throws IOException {
        JsonNode req = JSON.readTree(raw);
        String model = req.path("model").asText();
        if (!models.contains(model)) {
            send(
                    ex,
                    404,
                    "{\"error\":{\"message\":\"The model `" + model
                            + "` does not exist.\",\"type\":\"NotFoundError\",\"param\":\"model\",\"code\":404}}");
            return;
        }
        send(
                ex,
                200,
                "{\"id\":\"embd-" + ids.incrementAndGet() + "\",\"object\":\"list\",\"created\":"
                        + System.currentTimeMillis() / 1000
                        + ",\"model\":\"" + model
                        + "\",\"data\":[{\"index\":0,\"object\":\"embedding\",\"embedding\":[0.125,-0.5,0.25]}],"
                        + "\"usage\":{\"prompt_tokens\":3,\"total_tokens\":3,\"completion_tokens\":0}}");
    }

    private String models() {
        StringBuilder data = new StringBuilder();
        for (String m : models) {
            if (!data.isEmpty()) {
                data.append(',');
            }
            data.append("{\"id\":\"")
                    .append(m)
                    .append("\",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"vllm\",\"root\":\"")
                    .append(m)
                    .append("\",\"parent\":null,\"max_model_len\":8192}");
        }
        return "{\"object\":\"list\",\"data\":[" + data + "]}";
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** vLLM's Responses API answer (a completed message), as its OpenAI-compatible server writes it. */
    private String response(String raw) throws IOException {
        String model = JSON.readTree(raw).path("model").asText();
        return "{\"id\":\"resp_" + ids.incrementAndGet() + "\",\"object\":\"response\",\"created_at\":"
                + System.currentTimeMillis() / 1000 + ",\"model\":\"" + model + "\",\"status\":\"completed\","
                + "\"output\":[{\"type\":\"message\",\"id\":\"msg_1\",\"status\":\"completed\",\"role\":\"assistant\","
                + "\"content\":[{\"type\":\"output_text\",\"text\":\"Hello from vLLM\",\"annotations\":[]}]}],"
                + "\"usage\":{\"input_tokens\":5,\"output_tokens\":4,\"total_tokens\":9}}";
    }

    /** vLLM's rerank answer (the same for /v1/rerank, /rerank and /v2/rerank): each document with a score. */
    private String rerank(String raw) throws IOException {
        var req = JSON.readTree(raw);
        StringBuilder results = new StringBuilder();
        for (int i = 0; i < req.path("documents").size(); i++) {
            results.append(i == 0 ? "" : ",")
                    .append("{\"index\":")
                    .append(i)
                    .append(",\"document\":{\"text\":")
                    .append(req.path("documents").get(i))
                    .append("},\"relevance_score\":")
                    .append(1.0 / (i + 1))
                    .append('}');
        }
        return "{\"id\":\"rerank-" + ids.incrementAndGet() + "\",\"model\":\""
                + req.path("model").asText() + "\",\"usage\":{\"total_tokens\":10},\"results\":[" + results + "]}";
    }

    private String score(String raw) throws IOException {
        return "{\"id\":\"score-" + ids.incrementAndGet() + "\",\"object\":\"list\",\"created\":"
                + System.currentTimeMillis() / 1000
                + ",\"model\":\"" + JSON.readTree(raw).path("model").asText()
                + "\",\"data\":[{\"index\":0,\"object\":\"score\",\"score\":0.5}],\"usage\":{\"prompt_tokens\":6,\"total_tokens\":6}}";
    }
}
