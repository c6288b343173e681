package dev.llmproxy.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An Ollama server for tests, faithful to the native API as the reference describes it: /api/chat and
 * /api/generate stream NDJSON by default (chunked, {@code application/x-ndjson}) with a final
 * {@code done: true} line carrying {@code done_reason} and the counts, or answer one aggregated JSON object
 * with {@code stream: false}; /api/embed and /api/tags; errors as {@code {"error": "..."}} with the status.
 * It runs on raw sockets so that, like Ollama (Go's server), it notices a client that hangs up even while
 * it is still "generating", and records when that happened.
 *
 * <p>Behaviour by model: {@code llama3.2} answers "Hello from Ollama" (or calls the first tool, or answers
 * JSON, as asked), {@code slow} waits {@link #tokenDelayMillis} per token (one token for the prompt "quick"), {@code broken} sends an error
 * line mid-stream, {@code dropping} hangs up mid-stream; anything else is 404.
 */
public final class FakeOllama implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final List<String> MODELS = List.of("llama3.2", "qwen3:0.6b", "slow", "broken", "dropping");

    /** A request as Ollama saw it. */
    public record Received(String method, String path, JsonNode body) {}

    /** A client that hung up before its answer was complete, and how long after the request began. */
    public record Disconnect(String path, String model, long afterMillis) {}

    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger listings = new java.util.concurrent.atomic.AtomicInteger();
    private final List<Disconnect> disconnects = new CopyOnWriteArrayList<>();
    private final AtomicInteger active = new AtomicInteger();
    public volatile long tokenDelayMillis = 200;
    /** A completion prompt that Ollama answers with a 500, as when its runner dies before answering. */
    public static final String FAILING_PROMPT = "fail with 500";

    public volatile int slowTokens = 50;
    /** Write every line in 3-byte pieces, each flushed: lines and UTF-8 characters arrive cut. */
    public volatile boolean splitWrites;

    public FakeOllama() throws IOException {
        server = new ServerSocket(0, 2000, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().start(this::accept);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** How many times the model list ({@code GET /api/tags}) was asked for: not kept in {@link #received()}. */
    public int listings() {
        return listings.get();
    }

    public List<Received> received() {
        return received;
    }

    public Received last() {
        if (received.isEmpty()) {
            throw new AssertionError("Ollama received nothing");
        }
        return received.get(received.size() - 1);
    }

    public List<Disconnect> disconnects() {
        return disconnects;
    }

    /** Requests still being answered. */
    public int active() {
        return active.get();
    }

    public void reset() {
        received.clear();
        disconnects.clear();
        splitWrites = false;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        active.incrementAndGet();
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String requestLine = line(in);
            if (requestLine == null) {
                return;
            }
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String h; (h = line(in)) != null && !h.isEmpty(); ) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
            }
            byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("Content-Length", "0")));
            String[] parts = requestLine.split(" ");
            var exchange = new Exchange(socket, in, socket.getOutputStream(), parts[1], System.nanoTime());
            JsonNode json = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            if (parts[0].equals("GET") && parts[1].equals("/api/tags")) {
                listings.incrementAndGet(); // the gateway's discovery, on its own schedule: not kept as a call
            } else {
                received.add(new Received(parts[0], parts[1], json));
            }
            route(exchange, parts[0], json);
        } catch (IOException e) {
            // the client went away; recorded where it was noticed
        } finally {
            active.decrementAndGet();
        }
    }

    private void route(Exchange ex, String method, JsonNode req) throws IOException {
        switch (method + " " + ex.path) {
            case "GET /api/tags" -> ex.json(200, tags());
            case "POST /api/chat" -> generate(ex, req, true);
            case "POST /api/generate" -> generate(ex, req, false);
            case "POST /api/embed" -> embed(ex, req);
            default -> ex.json(404, error("404 page not found"));
        }
    }

    private void generate(Exchange ex, JsonNode req, boolean chat) throws IOException {
        String model = req.path("model").asText();
        if (!MODELS.contains(model)) {
            ex.json(404, error("model '" + model + "' not found"));
            return;
        }
        if (!chat && req.path("prompt").asText().equals(FAILING_PROMPT)) {
            ex.json(500, error("llama runner process has terminated"));
            return;
        }
        if (chat && (!req.path("messages").isArray() || req.path("messages").isEmpty())) {
            ex.json(400, error("messages is required"));
            return;
        }
        boolean stream = !req.has("stream") || req.path("stream").asBoolean(true); // native default: stream
        Plan plan = plan(req, chat, model);
        String created = Instant.now().toString();
        if (!stream) {
            for (int i = 0; i < plan.tokens.size(); i++) {
                if (!ex.waitWatching(model.equals("slow") ? tokenDelayMillis : 0, model)) {
                    return;
                }
            }
            ObjectNode whole = line(
                    model,
                    created,
                    chat,
                    String.join("", plan.tokens),
                    plan.thinking,
                    plan.toolCalls,
                    true,
                    plan.doneReason,
                    plan.promptTokens,
                    plan.tokens.size());
            ex.json(200, whole);
            return;
        }
        ex.startChunked();
        if (plan.thinking != null) {
            if (!ex.ndjson(line(model, created, chat, "", plan.thinking, null, false, null, 0, 0), model)) {
                return;
            }
        }
        for (int i = 0; i < plan.tokens.size(); i++) {
            if (model.equals("broken") && i == 2) {
                ex.ndjson(error("llama runner process has terminated: exit status 2"), model);
                ex.endChunked();
                return;
            }
            if (model.equals("dropping") && i == 2) {
                ex.socket.close(); // no final line, no chunked terminator
                return;
            }
            if (!ex.waitWatching(model.equals("slow") ? tokenDelayMillis : 0, model)
                    || !ex.ndjson(
                            line(model, created, chat, plan.tokens.get(i), null, null, false, null, 0, 0), model)) {
                return;
            }
        }
        if (plan.toolCalls != null
                && !ex.ndjson(line(model, created, chat, "", null, plan.toolCalls, false, null, 0, 0), model)) {
            return;
        }
        if (ex.ndjson(
                line(
                        model,
                        created,
                        chat,
                        "",
                        null,
                        null,
                        true,
                        plan.doneReason,
                        plan.promptTokens,
                        plan.tokens.size()),
                model)) {
            ex.endChunked();
        }
    }

    private record Plan(
            List<String> tokens, String thinking, ArrayNode toolCalls, String doneReason, int promptTokens) {}

    private Plan plan(JsonNode req, boolean chat, String model) {
        JsonNode messages = req.path("messages");
        JsonNode last = chat ? messages.get(messages.size() - 1) : null;
        List<String> tokens;
        ArrayNode toolCalls = null;
        if (model.equals("slow")) {
            tokens = new ArrayList<>();
            int count = !chat && req.path("prompt").asText().equals("quick")
                    ? 1
                    : slowTokens; // one short answer among long ones
            for (int i = 0; i < count; i++) {
                tokens.add("t" + i + " ");
            }
        } else if (chat
                && req.path("tools").isArray()
                && last.path("role").asText().equals("user")) {
            tokens = List.of();
            toolCalls = JSON.createArrayNode();
            ObjectNode call = toolCalls.addObject();
            call.put("id", "call_" + Integer.toHexString(received.size() + 0x1000));
            ObjectNode fn = call.putObject("function");
            fn.put("index", 0);
            fn.put(
                    "name",
                    req.path("tools").get(0).path("function").path("name").asText());
            fn.putObject("arguments").put("city", "Paris");
        } else if (chat && last.path("role").asText().equals("tool")) {
            tokens = List.of("The ", "tool ", "said: ", last.path("content").asText());
        } else if (req.path("format").isTextual() || req.path("format").isObject()) {
            tokens = List.of("{\"answer\"", ": ", "42}");
        } else if (chat && last.path("images").isArray()) {
            tokens = List.of("I see ", last.path("images").size() + " image(s)");
        } else if (chat) {
            tokens = List.of("Hél", "lo", " from", " Ollama", " 😀");
        } else {
            tokens = List.of("Once", " upon", " a", " time");
        }
        String doneReason = "stop";
        long max = req.path("options").path("num_predict").asLong(-1);
        if (max >= 0 && max < tokens.size()) {
            tokens = tokens.subList(0, (int) max);
            doneReason = "length";
        }
        String thinking = req.has("think") && req.get("think").asBoolean(true) ? "Let me think." : null;
        int promptTokens = (chat ? messages.toString() : req.path("prompt").asText()).length() / 4 + 1;
        return new Plan(tokens, thinking, toolCalls, doneReason, promptTokens);
    }

    private static ObjectNode line(
            String model,
            String created,
            boolean chat,
            String text,
            String thinking,
            ArrayNode toolCalls,
            boolean done,
            String doneReason,
            int promptTokens,
            int evalTokens) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model", model);
        n.put("created_at", created);
        if (chat) {
            ObjectNode m = n.putObject("message");
            m.put("role", "assistant");
            m.put("content", text);
            if (thinking != null) {
                m.put("thinking", thinking);
            }
            if (toolCalls != null) {
                m.set("tool_calls", toolCalls);
            }
        } else {
            n.put("response", text);
            if (thinking != null) {
                n.put("thinking", thinking);
            }
        }
        n.put("done", done);
        if (done) {
            n.put("done_reason", doneReason);
            n.put("total_duration", 912345678L);
            n.put("load_duration", 12345678L);
            n.put("prompt_eval_count", promptTokens);
            n.put("prompt_eval_duration", 23456789L);
            n.put("eval_count", evalTokens);
            n.put("eval_duration", 876543210L);
            if (!chat) {
                n.putArray("context").add(1).add(2).add(3);
            }
        }
        return n;
    }

    private void embed(Exchange ex, JsonNode req) throws IOException {
        String model = req.path("model").asText();
        if (!MODELS.contains(model)) {
            ex.json(404, error("model '" + model + "' not found"));
            return;
        }
        List<String> inputs = new ArrayList<>();
        if (req.path("input").isTextual()) {
            inputs.add(req.path("input").asText());
        } else {
            req.path("input").forEach(i -> inputs.add(i.asText()));
        }
        if (inputs.isEmpty()) {
            ex.json(400, error("invalid input"));
            return;
        }
        int dims = req.path("dimensions").asInt(4);
        ObjectNode out = JSON.createObjectNode();
        out.put("model", model);
        ArrayNode embeddings = out.putArray("embeddings");
        int tokens = 0;
        for (String in : inputs) {
            ArrayNode v = embeddings.addArray();
            for (int d = 0; d < dims; d++) {
                v.add((float) ((in.length() + d) % 7) / 8f - 0.25f);
            }
            tokens += in.length() / 4 + 1;
        }
        out.put("total_duration", 1234567L);
        out.put("load_duration", 12345L);
        out.put("prompt_eval_count", tokens);
        ex.json(200, out);
    }

    private static ObjectNode tags() {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode models = out.putArray("models");
        for (String m : MODELS) {
            String name = m.contains(":") ? m : m + ":latest";
            ObjectNode t = models.addObject();
            t.put("name", name);
            t.put("model", name);
            t.put("modified_at", "2026-10-01T12:00:00.123456789+02:00");
            t.put("size", 2019393189L);
            t.put("digest", "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72");
            ObjectNode details = t.putObject("details");
            details.put("format", "gguf");
            details.put("family", "llama");
        }
        return out;
    }

    private static ObjectNode error(String message) {
        ObjectNode e = JSON.createObjectNode();
        e.put("error", message);
        return e;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                String s = buf.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            buf.write(b);
        }
        return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
    }

    /** One request's connection: writes responses and notices the client leaving. */
    private final class Exchange {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final String path;
        final long start;

        Exchange(Socket socket, InputStream in, OutputStream out, String path, long start) {
            this.socket = socket;
            this.in = in;
            this.out = out;
            this.path = path;
            this.start = start;
        }

        void json(int status, JsonNode body) throws IOException {
            byte[] bytes = JSON.writeValueAsBytes(body);
            String head = "HTTP/1.1 " + status + " " + (status == 200 ? "OK" : "Error")
                    + "\r\nContent-Type: application/json; charset=utf-8\r\n" + "Content-Length: " + bytes.length
                    + "\r\nConnection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
        }

        void startChunked() throws IOException {
            out.write(
                    ("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** Writes one NDJSON line; false when the client is gone. */
        boolean ndjson(JsonNode line, String model) {
            byte[] bytes = (line.toString() + "\n").getBytes(StandardCharsets.UTF_8);
            try {
                int piece = splitWrites ? 3 : bytes.length;
                for (int off = 0; off < bytes.length; off += piece) {
                    int n = Math.min(piece, bytes.length - off);
                    out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(bytes, off, n);
                    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
                return true;
            } catch (IOException e) {
                disconnected(model);
                return false;
            }
        }

        void endChunked() throws IOException {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** Sleeps as generation would, watching the connection like Go's server does; false when the client left. */
        boolean waitWatching(long millis, String model) {
            if (millis <= 0) {
                return true;
            }
            long end = System.nanoTime() + millis * 1_000_000;
            try {
                socket.setSoTimeout(20);
                do {
                    try {
                        if (in.read() == -1) {
                            disconnected(model);
                            return false;
                        }
                    } catch (SocketTimeoutException stillThere) {
                        // nothing to read: the client is still waiting
                    }
                } while (System.nanoTime() < end);
                return true;
            } catch (IOException e) {
                disconnected(model);
                return false;
            }
        }

        private void disconnected(String model) {
            disconnects.add(new Disconnect(path, model, (System.nanoTime() - start) / 1_000_000));
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        acceptor.interrupt();
    }
}
