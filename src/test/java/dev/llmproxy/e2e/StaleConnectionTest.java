package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.testing.RudeUpstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * No call is lost to a connection the backend closed on its own: nginx does not retry a POST it sent, so it must
 * never send one on a connection the server may be closing. Servers that do: uvicorn (vLLM) after its idle
 * timeout, llama.cpp's server after a streamed answer (see {@link RudeUpstream}).
 */
@Integration
class StaleConnectionTest {
    static final String TOKEN = "sk-stale-team-0123456789";
    static final String TOKENS = "[{\"token\":\"" + TOKEN + "\",\"label\":\"stale\"}]";

    static String backend(RudeUpstream upstream, String extra) {
        return "[{\"name\":\"rude\",\"type\":\"openai\",\"urls\":[\"" + upstream.baseUrl() + "/v1\"],\"models\":[\"m\"]"
                + extra + "}]";
    }

    static List<Integer> burst(Gateway gw, int calls, boolean alternateStreams) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> all = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                boolean stream = alternateStreams && i % 2 == 0;
                String body = "{\"model\":\"m\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + i + "\"}]}";
                all.add(pool.submit(
                        () -> Http.post(gw.url("/v1/chat/completions"), body, "Authorization", bearer(TOKEN))
                                .statusCode()));
            }
            for (var f : all) {
                statuses.add(f.get());
            }
        }
        return statuses;
    }

    /** vLLM's case: idle connections given up after a while; the gateway keeps them a shorter while. */
    @Test
    void connectionsABackendGivesUpWhenIdleAreNeverUsed() throws Exception {
        try (RudeUpstream upstream = new RudeUpstream(RudeUpstream.Mode.IDLE_CLOSE, 1_500);
                Gateway gw =
                        Gateway.start(TOKENS, Map.of("BACKENDS_JSON", backend(upstream, ",\"keepalive_seconds\":1")))) {
            List<Integer> statuses = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                statuses.addAll(burst(gw, 16, false));
                Thread.sleep(1_700); // longer than the server keeps an idle connection
            }
            assertEquals(0, upstream.refused.get(), "calls were sent on connections the backend had given up");
            assertTrue(statuses.stream().allMatch(s -> s == 200), statuses.toString());
        }
    }

    /** llama.cpp's case: a connection that carried a stream is not used again. */
    @Test
    void aConnectionThatCarriedAStreamIsNotUsedAgain() throws Exception {
        try (RudeUpstream upstream = new RudeUpstream(RudeUpstream.Mode.CLOSE_AFTER_STREAM, 0);
                Gateway gw = Gateway.start(TOKENS, Map.of("BACKENDS_JSON", backend(upstream, "")))) {
            List<Integer> statuses = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                statuses.addAll(burst(gw, 16, true));
            }
            assertEquals(0, upstream.refused.get(), "calls were sent on connections that had carried a stream");
            assertTrue(statuses.stream().allMatch(s -> s == 200), statuses.toString());
            assertEquals(80, upstream.answered.get());
        }
    }

    /** A backend that had the call and closed without answering is not "unreachable": the 502 says what happened. */
    @Test
    void aBackendThatClosedWithoutAnsweringIsABackendErrorNotUnreachable() throws Exception {
        try (RudeUpstream upstream = new RudeUpstream(RudeUpstream.Mode.IDLE_CLOSE, 100);
                Gateway gw = Gateway.start(
                        TOKENS, Map.of("BACKENDS_JSON", backend(upstream, ",\"keepalive_seconds\":60")))) {
            assertEquals(200, burst(gw, 1, false).get(0));
            Thread.sleep(300); // the server gives the connection up; nginx still keeps it (60 s, against advice)
            var r = Http.post(
                    gw.url("/v1/chat/completions"),
                    "{\"model\":\"m\",\"messages\":[]}",
                    "Authorization",
                    bearer(TOKEN));
            NginxGatewayTest.assertOpenAiError(r, 502, "backend_error");
            assertTrue(
                    r.body().contains("The rude backend failed: it closed the connection before answering."), r.body());
            assertEquals(1, upstream.refused.get());
        }
    }
}
