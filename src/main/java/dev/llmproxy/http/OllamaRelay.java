package dev.llmproxy.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.metrics.Metrics;
import dev.llmproxy.ollama.OllamaClient;
import dev.llmproxy.ollama.OllamaWire;
import dev.llmproxy.openai.Json;
import dev.llmproxy.openai.OpenAiError;
import dev.llmproxy.openai.OpenAiWire;
import dev.llmproxy.routing.ModelRef;
import dev.llmproxy.translate.ChatRequests;
import dev.llmproxy.translate.ChatResponses;
import dev.llmproxy.translate.ChatStream;
import dev.llmproxy.translate.CompletionRequests;
import dev.llmproxy.translate.CompletionResponses;
import dev.llmproxy.translate.Embeddings;
import dev.llmproxy.translate.Ids;
import dev.llmproxy.translate.InvalidRequest;
import dev.llmproxy.translate.NdjsonReader;
import dev.llmproxy.translate.UpstreamFailure;
import dev.llmproxy.upstream.Http1Client;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves OpenAI calls from Ollama: translates the request, calls the native API, and translates the
 * answer back, streaming line by line. I/O lives here; the translation is pure ({@code translate}).
 * When the client goes away the Ollama request is closed at once, so the GPU stops working for nobody.
 */
final class OllamaRelay {
    private static final Logger LOG = LoggerFactory.getLogger(OllamaRelay.class);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

    private final OllamaClient ollama;
    private final Metrics metrics;

    OllamaRelay(OllamaClient ollama, Metrics metrics) {
        this.ollama = ollama;
        this.metrics = metrics;
    }

    /** The usage Ollama reported for this request, for metrics and (non-streamed) the access log. */
    private final class Usage {
        final String tokenLabel;
        final long start = System.nanoTime();
        boolean firstTokenSeen;

        Usage(String tokenLabel) {
            this.tokenLabel = tokenLabel;
        }

        void firstToken() {
            if (!firstTokenSeen) {
                firstTokenSeen = true;
                metrics.timeToFirstToken("ollama", System.nanoTime() - start);
            }
        }

        void report(Context ctx, Long prompt, Long completion, boolean headers) {
            long p = prompt == null ? 0 : prompt;
            long c = completion == null ? 0 : completion;
            metrics.tokens(tokenLabel, p, c);
            if (headers) {
                ctx.header(GatewayHeaders.PROMPT_TOKENS, Long.toString(p));
                ctx.header(GatewayHeaders.COMPLETION_TOKENS, Long.toString(c));
            }
        }
    }

    void serve(Context ctx, byte[] body, ModelRef model, String requestId, String tokenLabel) {
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new ApiException(OpenAiError.invalidJson());
        }
        Usage usage = new Usage(tokenLabel);
        try (ClientWatch watch = ClientWatch.start(ctx)) {
            switch (ctx.path()) {
                case "/v1/chat/completions" -> chat(ctx, ChatRequests.translate(json, model.name()), model.requested(), requestId, watch, usage);
                case "/v1/completions" -> completions(ctx, CompletionRequests.translate(json, model.name()), model.requested(), requestId, watch, usage);
                case "/v1/embeddings" -> embeddings(ctx, Embeddings.translate(json, model.name()), model.requested(), requestId, watch, usage);
                default -> throw new ApiException(OpenAiError.notFound(ctx.method().name(), ctx.path()));
            }
            if (watch.readAhead()) {
                ctx.header("Connection", "close");
            }
        } catch (InvalidRequest e) {
            throw new ApiException(e.error());
        } catch (ClientGone e) {
            LOG.debug("request {}: client went away; Ollama request closed", requestId);
        } finally {
            metrics.upstream("ollama", ctx.path(), System.nanoTime() - usage.start);
        }
    }

    private void chat(Context ctx, ChatRequests.Call call, String model, String requestId, ClientWatch watch, Usage usage) {
        InputStream body = open("/api/chat", call.request(), model, requestId, watch);
        String id = Ids.chat();
        long created = System.currentTimeMillis() / 1000;
        if (!call.stream()) {
            OllamaWire.Chunk answer = readWhole(body, watch);
            usage.report(ctx, answer.promptEvalCount(), answer.evalCount(), true);
            json(ctx, ChatResponses.completion(answer, id, created, model));
            return;
        }
        OutputStream out = startEvents(ctx, body);
        ChatStream stream = new ChatStream(id, created, model, call.includeUsage());
        relayLines(body, out, watch, requestId, line -> {
            for (OpenAiWire.ChatCompletionChunk c : stream.next(line)) {
                event(out, c);
                usage.firstToken();
            }
            if (line.done()) {
                usage.report(ctx, line.promptEvalCount(), line.evalCount(), false);
            }
            return stream.finished();
        });
    }

    private void completions(Context ctx, CompletionRequests.Call call, String model, String requestId, ClientWatch watch, Usage usage) {
        String id = Ids.completion();
        long created = System.currentTimeMillis() / 1000;
        if (!call.stream()) {
            // Every prompt at once, each on its own virtual thread: Ollama runs them in parallel when configured to.
            List<Http1Client.Call> calls = new ArrayList<>();
            for (var r : call.requests()) {
                Http1Client.Call c = ollama.post("/api/generate", r, requestId);
                watch.onGone(c::cancel);
                calls.add(c);
            }
            List<OllamaWire.Chunk> answers = new ArrayList<>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<OllamaWire.Chunk>> pending = new ArrayList<>();
                for (var c : calls) {
                    pending.add(pool.submit(() -> readWhole(checked(execute(c, watch), model), watch)));
                }
                try {
                    for (var f : pending) {
                        answers.add(f.get());
                    }
                } catch (ExecutionException e) {
                    calls.forEach(Http1Client.Call::cancel); // one failed: the others' answers are not wanted
                    throw e.getCause() instanceof RuntimeException r ? r : new ApiException(OpenAiError.backendUnavailable("The Ollama backend failed."));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    calls.forEach(Http1Client.Call::cancel);
                    throw new ClientGone();
                }
            }
            var completion = CompletionResponses.completion(answers, id, created, model);
            usage.report(ctx, completion.usage().promptTokens(), completion.usage().completionTokens(), true);
            json(ctx, completion);
            return;
        }
        OutputStream out = null;
        long promptTokens = 0;
        long completionTokens = 0;
        for (int i = 0; i < call.requests().size(); i++) {
            InputStream body = open("/api/generate", call.requests().get(i), model, requestId, watch);
            if (out == null) {
                out = startEvents(ctx, body);
            }
            var stream = new CompletionResponses.Stream(id, created, model, i);
            OutputStream sink = out;
            long[] counts = new long[2];
            boolean finished = relayLines(body, sink, watch, requestId, line -> {
                OpenAiWire.Completion c = stream.next(line);
                if (c != null) {
                    event(sink, c);
                    usage.firstToken();
                }
                if (line.done()) {
                    counts[0] = line.promptEvalCount() == null ? 0 : line.promptEvalCount();
                    counts[1] = line.evalCount() == null ? 0 : line.evalCount();
                }
                return stream.finished();
            }, i == call.requests().size() - 1 && !call.includeUsage());
            if (!finished) {
                return;
            }
            promptTokens += counts[0];
            completionTokens += counts[1];
        }
        usage.report(ctx, promptTokens, completionTokens, false);
        if (call.includeUsage()) {
            event(out, CompletionResponses.usageChunk(id, created, model, OpenAiWire.Usage.of(promptTokens, completionTokens)));
            write(out, DONE);
        }
    }

    private void embeddings(Context ctx, Embeddings.Call call, String model, String requestId, ClientWatch watch, Usage usage) {
        InputStream body = open("/api/embed", call.request(), model, requestId, watch);
        OllamaWire.EmbedResponse answer = readJson(body, OllamaWire.EmbedResponse.class, watch);
        usage.report(ctx, answer.promptEvalCount(), 0L, true);
        json(ctx, Embeddings.response(answer, model, call.base64()));
    }

    /** Sends the request and returns the body of a successful answer; errors become OpenAI errors. */
    private InputStream open(String path, Object request, String model, String requestId, ClientWatch watch) {
        Http1Client.Call call = ollama.post(path, request, requestId);
        watch.onGone(call::cancel);
        return checked(execute(call, watch), model);
    }

    private static Http1Client.Response execute(Http1Client.Call call, ClientWatch watch) {
        return UpstreamCalls.execute(call, watch, "Ollama");
    }

    private static InputStream checked(Http1Client.Response response, String model) {
        if (response.status() == 200) {
            return response.body();
        }
        byte[] error = UpstreamCalls.errorBody(response);
        throw new ApiException(OllamaErrors.map(response.status(), error, model), OllamaErrors.headers(response.status()));
    }

    /** A whole (non-streamed) answer, read and closed. */
    private static <T> T readJson(InputStream body, Class<T> type, ClientWatch watch) {
        try (body) {
            return Json.MAPPER.readValue(body, type);
        } catch (IOException e) {
            throw failed(watch, "The Ollama backend sent an unreadable answer.");
        }
    }

    private static OllamaWire.Chunk readWhole(InputStream body, ClientWatch watch) {
        OllamaWire.Chunk answer = readJson(body, OllamaWire.Chunk.class, watch);
        if (answer.error() != null) {
            throw new ApiException(OpenAiError.backendUnavailable("The Ollama backend failed: " + answer.error()));
        }
        return answer;
    }

    private static RuntimeException failed(ClientWatch watch, String message) {
        return watch.gone() ? new ClientGone() : new ApiException(OpenAiError.backendUnavailable(message));
    }

    /** Translates one line; returns true when it was the last one. */
    private interface LineHandler {
        boolean accept(OllamaWire.Chunk line);
    }

    private boolean relayLines(InputStream body, OutputStream out, ClientWatch watch, String requestId, LineHandler handler) {
        return relayLines(body, out, watch, requestId, handler, true);
    }

    /**
     * Relays NDJSON lines until the native stream says it is done, then writes {@code [DONE]} if
     * {@code closeWithDone}. An error line, a broken line or a stream that ends early reach the client as
     * an error event and no {@code [DONE]}: never a failed stream that looks complete.
     */
    private boolean relayLines(InputStream body, OutputStream out, ClientWatch watch, String requestId, LineHandler handler, boolean closeWithDone) {
        try (body) {
            NdjsonReader lines = new NdjsonReader(body);
            String line;
            while ((line = lines.next()) != null) {
                OllamaWire.Chunk chunk = Json.MAPPER.readValue(line, OllamaWire.Chunk.class);
                if (handler.accept(chunk)) {
                    if (closeWithDone) {
                        write(out, DONE);
                    }
                    return true;
                }
            }
            errorEvent(out, "The Ollama backend closed the stream before it was complete.");
        } catch (UpstreamFailure e) {
            errorEvent(out, "The Ollama backend failed: " + e.getMessage());
        } catch (IOException e) {
            if (watch.gone()) {
                throw new ClientGone();
            }
            LOG.warn("request {}: Ollama stream broke: {}", requestId, e.toString());
            errorEvent(out, "The Ollama backend stream broke: " + e.getClass().getSimpleName() + ".");
        }
        return false;
    }

    /** Starts the event stream; if the client is already gone, closes {@code upstream} (so Ollama stops) and says so. */
    private static OutputStream startEvents(Context ctx, InputStream upstream) {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream; charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        try {
            OutputStream out = ctx.res().getOutputStream();
            out.flush(); // the head now, as OpenAI sends it: the client knows its stream started before the first token
            return out;
        } catch (IOException e) {
            try {
                upstream.close();
            } catch (IOException ignored) {
                // closing is all we wanted
            }
            throw new ClientGone();
        }
    }

    private static void event(OutputStream out, Object chunk) {
        byte[] json = Json.bytes(chunk);
        byte[] frame = new byte[json.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, frame, 0, 6);
        System.arraycopy(json, 0, frame, 6, json.length);
        frame[frame.length - 2] = '\n';
        frame[frame.length - 1] = '\n';
        write(out, frame);
    }

    private static void errorEvent(OutputStream out, String message) {
        event(out, new ErrorEvent(new ErrorEvent.Detail(message, "server_error", null, "backend_error")));
    }

    private record ErrorEvent(Detail error) {
        private record Detail(String message, String type, String param, String code) {}
    }

    private static void write(OutputStream out, byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new ClientGone();
        }
    }

    private static void json(Context ctx, Object body) {
        ctx.contentType("application/json").result(Json.bytes(body));
    }
}
