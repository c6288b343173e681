package dev.llmproxy.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmproxy.authz.Gatekeeper;
import dev.llmproxy.authz.Verdict;
import dev.llmproxy.openai.OpenAiError;
import dev.llmproxy.vllm.VllmClient;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.net.http.HttpResponse;

/** {@code GET /v1/models}: the vLLM server's models, named with the {@code vllm:} prefix that routes to them. */
final class ModelsHandler implements Handler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Gatekeeper gatekeeper;
    private final NginxTrust trust;
    private final VllmClient vllm;

    ModelsHandler(Gatekeeper gatekeeper, NginxTrust trust, VllmClient vllm) {
        this.gatekeeper = gatekeeper;
        this.trust = trust;
        this.vllm = vllm;
    }

    @Override
    public void handle(Context ctx) throws InterruptedException {
        if (!trust.alreadyChecked(ctx)) {
            Verdict verdict = gatekeeper.decide(ctx.header("Authorization"), null);
            if (!(verdict instanceof Verdict.Allowed allowed)) {
                throw VerdictHeaders.refusal(verdict);
            }
            VerdictHeaders.rateLimit(allowed.decision()).forEach(ctx::header);
        }
        ArrayNode data = JSON.createArrayNode();
        try {
            HttpResponse<byte[]> res = vllm.get("/v1/models", RequestIds.of(ctx));
            if (res.statusCode() != 200) {
                throw new ApiException(VllmRelay.upstreamError(res.statusCode(), res.body()));
            }
            for (JsonNode m : JSON.readTree(res.body()).path("data")) {
                if (m instanceof ObjectNode o && o.path("id").isTextual()) {
                    o.put("id", "vllm:" + o.path("id").asText());
                    data.add(o);
                }
            }
        } catch (IOException e) {
            throw new ApiException(OpenAiError.backendUnavailable("The vLLM backend is unreachable."));
        }
        ObjectNode list = JSON.createObjectNode();
        list.put("object", "list");
        list.set("data", data);
        ctx.contentType("application/json").result(list.toString());
    }
}
