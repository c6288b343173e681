package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.http.App;
import dev.llmproxy.ratelimit.MemoryRateLimiter;
import dev.llmproxy.testing.Http;
import io.javalin.Javalin;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Tokens rotated without a restart, under load over kept connections: every request is decided by the old
 * registry or the new one, never refused when both allow it nor admitted when neither does; a label keeps its
 * limit state across reloads.
 */
class TokenReloadTest {
    static final String OLD_ONLY = "sk-rotate-old-000001";
    static final String BOTH = "sk-rotate-both-000002";
    static final String NEW_ONLY = "sk-rotate-new-000003";
    static final String NEITHER = "sk-rotate-none-000004";
    static final String LIMITED = "sk-rotate-limited-0005";

    static String registry(boolean rotated) {
        return "[{\"token\":\"" + (rotated ? NEW_ONLY : OLD_ONLY) + "\",\"label\":\"" + (rotated ? "new" : "old")
                + "\"},"
                + "{\"token\":\"" + BOTH + "\",\"label\":\"both\"},"
                + "{\"token\":\"" + LIMITED + "\",\"label\":\"limited\",\"rpm\":2}]";
    }

    @Test
    void reloadUnderLoadRefusesNothingBothAllowAndAdmitsNothingNeitherDoes() throws Exception {
        Path file = Files.createTempFile("tokens", ".json");
        Files.writeString(file, registry(false));
        Javalin sidecar = App.create(
                        ConfigLoader.load(Map.of(
                                "TOKENS_FILE",
                                file.toString(),
                                "SIDECAR_PORT",
                                "0",
                                "BACKENDS_JSON",
                                "[{\"name\":\"echo\",\"type\":\"echo\"}]")),
                        new MemoryRateLimiter(Clock.systemUTC()))
                .start();
        URI url = URI.create("http://127.0.0.1:" + sidecar.port() + "/v1/chat/completions");
        String chat = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try {
            Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
            AtomicBoolean running = new AtomicBoolean(true);
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> load = new ArrayList<>();
                for (String token : List.of(OLD_ONLY, BOTH, NEW_ONLY, NEITHER)) {
                    for (int t = 0; t < 2; t++) {
                        load.add(pool.submit(() -> {
                            while (running.get()) {
                                int status = Http.post(url, chat, "Authorization", bearer(token))
                                        .statusCode();
                                seen.computeIfAbsent(
                                                token, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                                        .add(status);
                            }
                        }));
                    }
                }
                for (int i = 0; i < 10; i++) {
                    Thread.sleep(150);
                    Files.writeString(file, registry(i % 2 == 0));
                    assertEquals(
                            List.of(), App.tokensFile(sidecar).orElseThrow().reloadNow());
                }
                running.set(false);
                for (var f : load) {
                    f.get();
                }
            }
            assertTrue(seen.get(BOTH).size() > 30, "load ran: " + seen.get(BOTH).size());
            assertTrue(seen.get(BOTH).stream().allMatch(s -> s == 200), "a token both registries allow was refused");
            assertTrue(seen.get(NEITHER).stream().allMatch(s -> s == 401), "a token neither allows was admitted");
            for (String either : List.of(OLD_ONLY, NEW_ONLY)) {
                assertTrue(
                        seen.get(either).stream().allMatch(s -> s == 200 || s == 401),
                        seen.get(either).toString());
                assertTrue(
                        seen.get(either).contains(200) && seen.get(either).contains(401),
                        "both registries were in force");
            }
            // The last write was the old registry (i = 9): the new-only token is refused from the next request on.
            assertEquals(
                    200, Http.post(url, chat, "Authorization", bearer(OLD_ONLY)).statusCode());
            assertEquals(
                    401, Http.post(url, chat, "Authorization", bearer(NEW_ONLY)).statusCode());

            // A label keeps its limit state across reloads.
            assertEquals(
                    200, Http.post(url, chat, "Authorization", bearer(LIMITED)).statusCode());
            assertEquals(
                    200, Http.post(url, chat, "Authorization", bearer(LIMITED)).statusCode());
            Files.writeString(file, registry(true));
            App.tokensFile(sidecar).orElseThrow().reloadNow();
            assertEquals(
                    429, Http.post(url, chat, "Authorization", bearer(LIMITED)).statusCode());

            // Without a signal or a call: the file's own change is noticed.
            Files.writeString(file, registry(false));
            long deadline = System.nanoTime() + 6_000_000_000L;
            while (Http.post(url, chat, "Authorization", bearer(OLD_ONLY)).statusCode() != 200
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(
                    200, Http.post(url, chat, "Authorization", bearer(OLD_ONLY)).statusCode(), "reloaded by its watch");
        } finally {
            sidecar.stop();
        }
    }
}
