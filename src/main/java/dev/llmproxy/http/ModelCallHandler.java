package dev.llmproxy.http;

import dev.llmproxy.openai.ModelField;
import dev.llmproxy.routing.Backend;
import dev.llmproxy.routing.ModelRef;
import io.javalin.http.Context;
import io.javalin.http.Handler;

/**
 * {@code POST /v1/chat/completions}, {@code /v1/completions}, {@code /v1/embeddings}. Behind nginx, the
 * request was already authorised and counted; called directly, the sidecar is the whole gateway and
 * authenticates, limits and routes itself.
 */
final class ModelCallHandler implements Handler {
    private final Admission admission;
    private final Backend defaultBackend;
    private final long maxBodyBytes;
    private final VllmRelay vllm;
    private final OllamaRelay ollama;

    ModelCallHandler(Admission admission, Backend defaultBackend, long maxBodyBytes, VllmRelay vllm, OllamaRelay ollama) {
        this.admission = admission;
        this.defaultBackend = defaultBackend;
        this.maxBodyBytes = maxBodyBytes;
        this.vllm = vllm;
        this.ollama = ollama;
    }

    @Override
    public void handle(Context ctx) {
        if (!admission.checkedByNginx(ctx) && ctx.header("Authorization") == null) {
            // Refuse before reading a body nobody is entitled to send.
            admission.admit(ctx, null);
        }
        byte[] body = RequestBody.read(ctx, maxBodyBytes);
        ModelField field;
        try {
            field = ModelField.read(body);
        } catch (ModelField.Invalid e) {
            throw new ApiException(e.error());
        }
        ModelRef model = ModelRef.parse(field.model(), defaultBackend);
        String tokenLabel = admission.admit(ctx, model);
        switch (model.backend()) {
            case VLLM -> vllm.forward(ctx, ctx.path(), field.withModel(model.name()), RequestIds.of(ctx));
            case OLLAMA -> ollama.serve(ctx, field.body(), model, RequestIds.of(ctx), tokenLabel);
        }
    }
}
