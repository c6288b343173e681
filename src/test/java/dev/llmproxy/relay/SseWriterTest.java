package dev.llmproxy.relay;

import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.contract.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SseWriterTest {
    @Test
    void framesAreBareDataLinesFlushedOneByOne() {
        var client = new FakeClientChannel();
        var sse = new SseWriter(client.start(200, "text/event-stream", Map.of()));
        sse.event(Map.of("a", "é"));
        sse.error(ErrorCode.BACKEND_ERROR.error("Ollama", "it stopped."));
        sse.done();
        assertEquals(
                "data: {\"a\":\"é\"}\n\n"
                        + "data: {\"error\":{\"message\":\"The Ollama backend failed: it stopped.\",\"type\":\"server_error\",\"param\":null,"
                        + "\"code\":\"backend_error\"}}\n\ndata: [DONE]\n\n",
                client.text());
        assertEquals(3, client.flushes.size(), "each event is flushed as it is written");
    }

    @Test
    void aWriteThatFailsMeansTheClientLeft() {
        OutputStream broken = new ByteArrayOutputStream() {
            @Override
            public void flush() throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        assertThrows(ClientGone.class, () -> new SseWriter(broken).done());
    }
}
