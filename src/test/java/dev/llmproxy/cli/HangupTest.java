package dev.llmproxy.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** SIGHUP, an operator's "reload" (kill -HUP, systemd's ExecReload), never stops the sidecar. */
class HangupTest {
    @Test
    void aSidecarWithoutATokensFileLogsThatThereIsNothingToReloadAndKeepsServing() throws Exception {
        ProcessBuilder pb = MainProcessTest.command("serve");
        pb.environment().put("SIDECAR_PORT", "0");
        Process p = pb.start();
        try (var out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            int port = -1;
            Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
            for (String line; port < 0 && (line = out.readLine()) != null; ) {
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertTrue(port > 0, "the sidecar did not start");

            Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start();
            assertEquals(0, hup.waitFor());
            String said = out.readLine();
            assertNotNull(said, "the sidecar ended on SIGHUP");
            assertTrue(said.contains("SIGHUP: nothing to reload"), said);
            assertTrue(p.isAlive());
            HttpResponse<String> health = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
