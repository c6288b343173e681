package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.usage.UsageReport;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A stream the client leaves is logged as not completed, and the usage report does not count it a success. */
@Integration
class AbandonedStreamTest {
    static final String TOKEN = "sk-abandon-team-0123456789";

    @Test
    void aStreamTheClientLeftIsLoggedIncompleteAndReportedAborted() throws Exception {
        try (Gateway gw = Gateway.start("[{\"token\":\"" + TOKEN + "\",\"label\":\"abandon\"}]", Map.of())) {
            gw.vllm.streamChunks = 20;
            String stream =
                    "{\"model\":\"vllm:llama3\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
            var left = Http.client()
                    .send(
                            HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                                    .header("Authorization", bearer(TOKEN))
                                    .header("X-Request-ID", "left-early")
                                    .POST(HttpRequest.BodyPublishers.ofString(stream))
                                    .build(),
                            HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, left.statusCode());
            try (InputStream in = left.body()) {
                assertTrue(in.read(new byte[64]) > 0, "the stream started");
            } // the client leaves after the first event
            var whole = Http.post(
                    gw.url("/v1/chat/completions"), stream, "Authorization", bearer(TOKEN), "X-Request-ID", "stayed");
            assertEquals(200, whole.statusCode());

            String leftLine = awaitLine(gw, "left-early");
            String stayedLine = awaitLine(gw, "stayed");
            assertTrue(leftLine.contains("\"status\":200") && leftLine.contains("\"completion\":\"\""), leftLine);
            assertTrue(stayedLine.contains("\"completion\":\"OK\""), stayedLine);

            UsageReport report = new UsageReport(false);
            report.add(leftLine);
            report.add(stayedLine);
            var row = report.rows().get(0);
            assertEquals(2, row.requests());
            assertEquals(1, row.ok());
            assertEquals(1, row.aborted(), "the stream the client left is not a success");
        }
    }

    static String awaitLine(Gateway gw, String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (String line : gw.accessLog().split("\n")) {
                if (line.contains("\"request_id\":\"" + requestId + "\"")) {
                    return line;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no access-log line for " + requestId + ":\n" + gw.accessLog());
    }
}
