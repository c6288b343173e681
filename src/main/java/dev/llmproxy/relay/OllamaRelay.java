package dev.llmproxy.relay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmproxy.backends.ModelRef;
import dev.llmproxy.contract.ApiException;
import dev.llmproxy.contract.Endpoint;
import dev.llmproxy.contract.ErrorCode;
import dev.llmproxy.contract.GatewayHeaders;
import dev.llmproxy.metrics.Metrics;
import dev.llmproxy.ollama.OllamaClient;
import dev.llmproxy.ollama.OllamaWire;
import dev.llmproxy.openai.OpenAiWire;
import dev.llmproxy.support.Json;
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
import java.io.IOException;
import java.io.InputStream;
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
public final class OllamaRelay {
    private static final Logger LOG = LoggerFactory.getLogger(OllamaRelay.class);

    private final OllamaClient ollama;
    private final Metrics metrics;
    private final String backend;

    /** @param backend the backend's name, for the client's error messages and the log */
    public OllamaRelay(OllamaClient ollama, Metrics metrics, String backend) {
        this.ollama = ollama;
        this.metrics = metrics;
        this.backend = backend;
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

        void report(ClientChannel client, Long prompt, Long completion, boolean headers) {
            long p = prompt == null ? 0 : prompt;
            long c = completion == null ? 0 : completion;
            metrics.tokens(tokenLabel, p, c);
            if (headers) {
                client.header(GatewayHeaders.PROMPT_TOKENS, Long.toString(p));
                client.header(GatewayHeaders.COMPLETION_TOKENS, Long.toString(c));
            }
        }
    }

    /** Serves one model call; throws {@link ApiException} for an error answered before any byte of the answer. */
    public void serve(
            ClientChannel client, Endpoint endpoint, byte[] body, ModelRef model, String requestId, String tokenLabel) {
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new ApiException(ErrorCode.INVALID_JSON.error());
        }
        Usage usage = new Usage(tokenLabel);
        try {
            switch (endpoint) {
                case CHAT_COMPLETIONS ->
                    chat(client, ChatRequests.translate(json, model.name()), model.requested(), requestId, usage);
                case COMPLETIONS ->
                    completions(
                            client,
                            CompletionRequests.translate(json, model.name()),
                            model.requested(),
                            requestId,
                            usage);
                case EMBEDDINGS ->
                    embeddings(client, Embeddings.translate(json, model.name()), model.requested(), requestId, usage);
                case MODELS, MODEL, RESPONSES, RERANK, RERANK_BARE, RERANK_V2, SCORE ->
                    throw new IllegalArgumentException("not served here: " + endpoint);
            }
        } catch (InvalidRequest e) {
            throw new ApiException(e.error());
        } catch (ClientGone e) {
            LOG.debug("request {}: client went away; Ollama request closed", requestId);
        } finally {
            metrics.upstream("ollama", endpoint.path(), System.nanoTime() - usage.start);
        }
    }

    private void chat(ClientChannel client, ChatRequests.Call call, String model, String requestId, Usage usage) {
        InputStream body = open("/api/chat", call.request(), model, requestId, client);
        String id = Ids.chat();
        long created = System.currentTimeMillis() / 1000;
        if (!call.stream()) {
            OllamaWire.Chunk answer = readWhole(body, client);
            usage.report(client, answer.promptEvalCount(), answer.evalCount(), true);
            json(client, ChatResponses.completion(answer, id, created, model));
            return;
        }
        SseWriter out = startEvents(client, body);
        ChatStream stream = new ChatStream(id, created, model, call.includeUsage());
        relayLines(body, out, client, requestId, line -> {
            for (OpenAiWire.ChatCompletionChunk c : stream.next(line)) {
                out.event(c);
                usage.firstToken();
            }
            if (line.done()) {
                usage.report(client, line.promptEvalCount(), line.evalCount(), false);
            }
            return stream.finished();
        });
    }

    private void completions(
            ClientChannel client, CompletionRequests.Call call, String model, String requestId, Usage usage) {
        String id = Ids.completion();
        long created = System.currentTimeMillis() / 1000;
        if (!call.stream()) {
            // Every prompt at once, each on its own virtual thread: Ollama runs them in parallel when configured to.
            List<Http1Client.Call> calls = new ArrayList<>();
            for (var r : call.requests()) {
                Http1Client.Call c = ollama.post("/api/generate", r, requestId);
                client.onGone(c::cancel);
                calls.add(c);
            }
            List<OllamaWire.Chunk> answers = new ArrayList<>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<OllamaWire.Chunk>> pending = new ArrayList<>();
                for (var c : calls) {
                    pending.add(pool.submit(() -> readWhole(checked(execute(c, client), model), client)));
                }
                try {
                    for (var f : pending) {
                        answers.add(f.get());
                    }
                } catch (ExecutionException e) {
                    calls.forEach(Http1Client.Call::cancel); // one failed: the others' answers are not wanted
                    throw e.getCause() instanceof RuntimeException r
                            ? r
                            : new ApiException(ErrorCode.BACKEND_ERROR.error(backend, "a request failed."));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    calls.forEach(Http1Client.Call::cancel);
                    throw new ClientGone();
                }
            }
            var completion = CompletionResponses.completion(answers, id, created, model);
            usage.report(
                    client,
                    completion.usage().promptTokens(),
                    completion.usage().completionTokens(),
                    true);
            json(client, completion);
            return;
        }
        SseWriter out = null;
        long promptTokens = 0;
        long completionTokens = 0;
        for (int i = 0; i < call.requests().size(); i++) {
            InputStream body;
            try {
                body = open("/api/generate", call.requests().get(i), model, requestId, client);
            } catch (ApiException e) {
                if (out == null) {
                    throw e; // nothing answered yet: the error is the answer
                }
                out.error(e.error()); // a later prompt failed: the stream that started ends with its error, no [DONE]
                return;
            }
            if (out == null) {
                out = startEvents(client, body);
            }
            var stream = new CompletionResponses.Stream(id, created, model, i);
            SseWriter sink = out;
            long[] counts = new long[2];
            boolean finished = relayLines(
                    body,
                    sink,
                    client,
                    requestId,
                    line -> {
                        OpenAiWire.Completion c = stream.next(line);
                        if (c != null) {
                            sink.event(c);
                            usage.firstToken();
                        }
                        if (line.done()) {
                            counts[0] = line.promptEvalCount() == null ? 0 : line.promptEvalCount();
                            counts[1] = line.evalCount() == null ? 0 : line.evalCount();
                        }
                        return stream.finished();
                    },
                    i == call.requests().size() - 1 && !call.includeUsage());
            if (!finished) {
                return;
            }
            promptTokens += counts[0];
            completionTokens += counts[1];
        }
        usage.report(client, promptTokens, completionTokens, false);
        if (call.includeUsage()) {
            out.event(CompletionResponses.usageChunk(
                    id, created, model, OpenAiWire.Usage.of(promptTokens, completionTokens)));
            out.done();
        }
    }

    private void embeddings(ClientChannel client, Embeddings.Call call, String model, String requestId, Usage usage) {
        InputStream body = open("/api/embed", call.request(), model, requestId, client);
        OllamaWire.EmbedResponse answer = readJson(body, OllamaWire.EmbedResponse.class, client);
        usage.report(client, answer.promptEvalCount(), 0L, true);
        json(client, Embeddings.response(answer, model, call.base64()));
    }

    /** Sends the request and returns the body of a successful answer; errors become OpenAI errors. */
    private InputStream open(String path, Object request, String model, String requestId, ClientChannel client) {
        Http1Client.Call call = ollama.post(path, request, requestId);
        client.onGone(call::cancel);
        return checked(execute(call, client), model);
    }

    private Http1Client.Response execute(Http1Client.Call call, ClientChannel client) {
        return UpstreamCalls.execute(call, client, backend);
    }

    private InputStream checked(Http1Client.Response response, String model) {
        if (response.status() == 200) {
            return response.body();
        }
        byte[] error = UpstreamCalls.errorBody(response);
        throw new ApiException(
                OllamaErrors.map(response.status(), error, model, backend), OllamaErrors.headers(response.status()));
    }

    /** A whole (non-streamed) answer, read and closed. */
    private <T> T readJson(InputStream body, Class<T> type, ClientChannel client) {
        try (body) {
            return Json.MAPPER.readValue(body, type);
        } catch (IOException e) {
            throw failed(client, "its answer could not be read.");
        }
    }

    private OllamaWire.Chunk readWhole(InputStream body, ClientChannel client) {
        OllamaWire.Chunk answer = readJson(body, OllamaWire.Chunk.class, client);
        if (answer.error() != null) {
            throw new ApiException(ErrorCode.BACKEND_ERROR.error(backend, answer.error()));
        }
        return answer;
    }

    private RuntimeException failed(ClientChannel client, String detail) {
        return client.gone() ? new ClientGone() : new ApiException(ErrorCode.BACKEND_ERROR.error(backend, detail));
    }

    /** Translates one line; returns true when it was the last one. */
    private interface LineHandler {
        boolean accept(OllamaWire.Chunk line);
    }

    private boolean relayLines(
            InputStream body, SseWriter out, ClientChannel client, String requestId, LineHandler handler) {
        return relayLines(body, out, client, requestId, handler, true);
    }

    /**
     * Relays NDJSON lines until the native stream says it is done, then writes {@code [DONE]} if
     * {@code closeWithDone}. An error line, a broken line or a stream that ends early reach the client as
     * an error event and no {@code [DONE]}: never a failed stream that looks complete.
     */
    private boolean relayLines(
            InputStream body,
            SseWriter out,
            ClientChannel client,
            String requestId,
            LineHandler handler,
            boolean closeWithDone) {
        try (body) {
            NdjsonReader lines = new NdjsonReader(body);
            String line;
            while ((line = lines.next()) != null) {
                OllamaWire.Chunk chunk = Json.MAPPER.readValue(line, OllamaWire.Chunk.class);
                if (handler.accept(chunk)) {
                    if (closeWithDone) {
                        out.done();
                    }
                    return true;
                }
            }
            out.error(ErrorCode.BACKEND_ERROR.error(backend, "it closed the stream before it was complete."));
        } catch (UpstreamFailure e) {
            out.error(ErrorCode.BACKEND_ERROR.error(backend, e.getMessage()));
        } catch (IOException e) {
            if (client.gone()) {
                throw new ClientGone();
            }
            LOG.warn("request {}: Ollama stream broke: {}", requestId, e.toString());
            out.error(ErrorCode.BACKEND_ERROR.error(
                    backend, "the stream broke (" + e.getClass().getSimpleName() + ")."));
        }
        return false;
    }

    /** Starts the event stream; if the client is already gone, closes {@code upstream} (so Ollama stops) and says so. */
    private SseWriter startEvents(ClientChannel client, InputStream upstream) {
        try {
            // The head goes now, as OpenAI sends it: the client knows its stream started before the first token.
            return SseWriter.start(client);
        } catch (ClientGone e) {
            try {
                upstream.close();
            } catch (IOException ignored) {
                // closing is all we wanted
            }
            throw e;
        }
    }

    private void json(ClientChannel client, Object body) {
        client.answer(200, "application/json", Json.bytes(body));
    }
}
