package dev.llmproxy.relay;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VllmRelayTest {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void currentVllmErrorsKeepTheirMessageAndType() {
        var e = VllmRelay.upstreamError(
                404,
                b(
                        "{\"error\":{\"message\":\"The model `x` does not exist.\",\"type\":\"NotFoundError\",\"param\":\"model\",\"code\":404}}"),
                "vllm");
        assertEquals(404, e.status());
        assertEquals("The model `x` does not exist.", e.message());
        assertEquals("NotFoundError", e.type());
    }

    @Test
    void olderVllmErrorsAreWrapped() {
        var e = VllmRelay.upstreamError(
                400,
                b(
                        "{\"object\":\"error\",\"message\":\"max_tokens is too large\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"),
                "vllm");
        assertEquals(400, e.status());
        assertEquals("max_tokens is too large", e.message());
    }

    @Test
    void nonJsonErrorsGetAGenericMessage() {
        var e = VllmRelay.upstreamError(500, b("<html>Internal Server Error</html>"), "vllm");
        assertEquals(500, e.status());
        assertEquals("server_error", e.type());
        assertTrue(e.message().contains("500"));
    }

    @Test
    void refusedGatewayCredentialsAreABackendProblemNotTheClients() {
        var e = VllmRelay.upstreamError(401, b("{\"error\":\"Unauthorized\"}"), "vllm");
        assertEquals(502, e.status());
        assertEquals("backend_error", e.code());
    }
}
