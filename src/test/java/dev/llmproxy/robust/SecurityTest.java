package dev.llmproxy.robust;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.testing.ErrorBodies;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a hostile or careless client cannot do, through the real nginx front. */
@Integration
class SecurityTest {
    static final String TOKEN = "sk-security-team-0123456789";
    static final String LIMITED = "sk-security-limited-0123456789";
    static final String CHAT = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    static final List<String> TRUSTED = List.of(
            "X-Proxy-Backend",
            "X-Token-Label",
            "X-RateLimit-Checked",
            "X-Gateway-Secret",
            "X-LLM-Model",
            "X-LLM-Backend",
            "X-Authz-Reason",
            "X-Authz-Message",
            "X-Original-URI",
            "X-Original-Method");
    static Gateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = Gateway.start(
                "[{\"token\":\"" + TOKEN + "\",\"label\":\"team\"}," + "{\"token\":\"" + LIMITED
                        + "\",\"label\":\"limited\",\"rpm\":1,\"models\":[\"vllm:llama3\"]}]",
                Map.of());
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @BeforeEach
    void clear() {
        gw.vllm.reset();
        gw.ollama.reset();
    }

    /** Each trusted header in several casings, and with underscores for dashes. */
    static List<String> spoofHeaders() {
        List<String> h = new ArrayList<>();
        for (String name : TRUSTED) {
            for (String variant : List.of(
                    name, name.toLowerCase(Locale.ROOT), name.toUpperCase(Locale.ROOT), name.replace('-', '_'))) {
                h.add(variant);
                h.add(
                        variant.startsWith("X-LLM-Model") || variant.equalsIgnoreCase("x_llm_model")
                                ? "ollama:evil"
                                : "spoofed");
            }
        }
        return h;
    }

    @Test
    void spoofedTrustedHeadersInEveryCasingChangeNothing() {
        List<String> headers = new ArrayList<>(spoofHeaders());
        headers.addAll(List.of("Authorization", bearer(TOKEN)));
        var r = Http.post(
                gw.url("/v1/chat/completions"), CHAT.formatted("vllm:llama3"), headers.toArray(String[]::new));
        assertEquals(200, r.statusCode(), r.body());
        var seen = gw.vllm.last().headers();
        assertEquals("vllm", seen.get("x-proxy-backend"));
        assertEquals("team", seen.get("x-token-label"));
        assertEquals("1", seen.get("x-ratelimit-checked"));
        assertEquals("vllm:llama3", seen.get("x-llm-model"));
        assertNull(seen.get("x-llm-backend"), "the gateway sends no X-LLM-Backend, and a client's does not pass");
        for (String absent : List.of(
                "x-gateway-secret", "x-authz-reason", "x-authz-message", "x-original-uri", "x-original-method")) {
            assertNull(seen.get(absent), absent + " reached vLLM: " + seen.get(absent));
        }
        assertTrue(
                seen.keySet().stream().noneMatch(k -> k.contains("_")),
                "underscored headers reached vLLM: " + seen.keySet());
        assertFalse(seen.toString().contains("spoofed"), seen.toString());
        assertTrue(gw.ollama.received().isEmpty(), "a spoofed backend header moved the call to Ollama");
    }

    @Test
    void spoofedHeadersDoNotGetPastAuthenticationOrLimits() throws Exception {
        List<String> headers = new ArrayList<>(spoofHeaders());
        var noToken = Http.post(
                gw.url("/v1/chat/completions"), CHAT.formatted("ollama:llama3.2"), headers.toArray(String[]::new));
        assertEquals(401, noToken.statusCode());
        headers.addAll(List.of("Authorization", bearer(LIMITED)));
        assertEquals(
                200,
                Http.post(gw.url("/v1/chat/completions"), CHAT.formatted("vllm:llama3"), headers.toArray(String[]::new))
                        .statusCode());
        assertEquals(
                429,
                Http.post(gw.url("/v1/chat/completions"), CHAT.formatted("vllm:llama3"), headers.toArray(String[]::new))
                        .statusCode());
        assertEquals(
                403,
                Http.post(
                                gw.url("/v1/chat/completions"),
                                CHAT.formatted("ollama:llama3.2"),
                                headers.toArray(String[]::new))
                        .statusCode(),
                "the allowlist holds whatever X-LLM-Model says");
        assertTrue(gw.ollama.received().isEmpty());
        assertEquals(1, gw.vllm.received().size());
    }

    @Test
    void unauthenticatedClientsCauseNoUpstreamWork() {
        for (String model : List.of("vllm:llama3", "ollama:llama3.2", "llama3")) {
            for (String[] auth : new String[][] {
                {}, {"Authorization", bearer("sk-wrong-0123456789")}, {"Authorization", "Basic eDp5"}
            }) {
                assertEquals(
                        401,
                        Http.post(gw.url("/v1/chat/completions"), CHAT.formatted(model), auth)
                                .statusCode());
                assertEquals(
                        401,
                        Http.post(gw.sidecarUrl("/v1/chat/completions"), CHAT.formatted(model), auth)
                                .statusCode());
            }
        }
        assertEquals(401, Http.get(gw.url("/v1/models")).statusCode());
        assertEquals(401, Http.get(gw.sidecarUrl("/v1/models")).statusCode());
        assertTrue(gw.vllm.received().isEmpty(), "vLLM saw " + gw.vllm.received());
        assertTrue(gw.ollama.received().isEmpty(), "Ollama saw " + gw.ollama.received());
    }

    /** OpenAI's order: a caller without a valid token learns that first, whatever its body says; nothing is parsed. */
    @Test
    void aCallerWithoutAValidTokenIsTold401WhateverItsBody() throws Exception {
        List<String[]> calls = List.of(
                new String[] {"/v1/chat/completions", "not json"},
                new String[] {"/v1/chat/completions", "{}"},
                new String[] {"/v1/chat/completions", "{\"model\":\"a b\"}"},
                new String[] {"/v1/chat/completions", "{\"model\":\"vllm:\"}"},
                new String[] {
                    "/v1/chat/completions", CHAT.formatted("ollama:llama3.2").replace("\"Hi\"", "5")
                },
                new String[] {"/v1/rerank", "{\"model\":\"ollama:llama3.2\",\"query\":\"q\",\"documents\":[\"a\"]}"});
        for (String[] call : calls) {
            for (String[] auth :
                    new String[][] {{}, {"Authorization", bearer("wrong-token-123")}, {"Authorization", "Basic eDp5"}
                    }) {
                for (var url : List.of(gw.url(call[0]), gw.sidecarUrl(call[0]))) {
                    var r = Http.post(url, call[1], auth);
                    ErrorBodies.assertError(r, 401, "invalid_api_key");
                    assertTrue(r.headers().firstValue("www-authenticate").isPresent(), url + " " + call[1]);
                }
            }
        }
        assertTrue(gw.vllm.received().isEmpty(), "vLLM saw " + gw.vllm.received());
        assertTrue(gw.ollama.received().isEmpty(), "Ollama saw " + gw.ollama.received());
    }

    @Test
    void noClientInputChoosesWhereARequestGoes() {
        // URLs in the model, the Host header, forwarding headers: the configured upstreams get the call, nothing else.
        var r = Http.post(
                gw.url("/v1/chat/completions"),
                CHAT.formatted("vllm:http://169.254.169.254/latest"),
                "Authorization",
                bearer(TOKEN),
                "X-Forwarded-Host",
                "evil.example",
                "X-Forwarded-Proto",
                "https",
                "Forwarded",
                "host=evil.example");
        assertEquals(404, r.statusCode(), "the configured vLLM answered: it does not know that model");
        assertEquals(
                "http://169.254.169.254/latest",
                gw.vllm.last().json().path("model").asText());
        var img = Http.post(
                gw.url("/v1/chat/completions"),
                "{\"model\":\"ollama:llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":"
                        + "[{\"type\":\"image_url\",\"image_url\":{\"url\":\"http://127.0.0.1:22/\"}}]}]}",
                "Authorization",
                bearer(TOKEN));
        assertEquals(400, img.statusCode(), "the gateway fetches no client-chosen URL");
        assertTrue(gw.ollama.received().isEmpty());
    }

    @Test
    void onlyNginxGetsCallsHandedBack() {
        // Called directly, with no secret or a near miss, the sidecar relays a vLLM call itself: it never hands a
        // request over (X-Accel-Redirect) to anyone but nginx.
        for (String secret :
                new String[] {null, "", Gateway.SECRET.substring(1), Gateway.SECRET.toUpperCase(Locale.ROOT)}) {
            List<String> headers = new ArrayList<>(List.of("Authorization", bearer(TOKEN)));
            if (secret != null) {
                headers.addAll(List.of("X-Gateway-Secret", secret));
            }
            var r = Http.post(
                    gw.sidecarUrl("/v1/chat/completions"),
                    CHAT.formatted("vllm:llama3"),
                    headers.toArray(String[]::new));
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("x-accel-redirect").isEmpty(), "handed over to a direct caller");
            assertTrue(r.headers().firstValue("x-token-label").isEmpty(), "the label is for nginx's log only");
        }
        // The checked flag and a label prove nothing: every call is authenticated.
        assertEquals(
                401,
                Http.post(
                                gw.sidecarUrl("/v1/chat/completions"),
                                CHAT.formatted("ollama:llama3.2"),
                                "X-RateLimit-Checked",
                                "1",
                                "X-Gateway-Secret",
                                Gateway.SECRET,
                                "X-Token-Label",
                                "team")
                        .statusCode());
        assertEquals(
                404,
                Http.get(gw.url("/internal/authz"), "Authorization", bearer(TOKEN))
                        .statusCode(),
                "nginx routes no internal path");
        assertTrue(gw.ollama.received().isEmpty());
    }

    @Test
    void secretsAreComparedInConstantTime() throws Exception {
        // Both comparisons go through MessageDigest.isEqual, whose running time does not depend on where inputs differ.
        String digest = Files.readString(Path.of("src/main/java/dev/llmproxy/auth/TokenDigest.java"));
        String trust = Files.readString(Path.of("src/main/java/dev/llmproxy/http/NginxTrust.java"));
        assertTrue(digest.contains("return MessageDigest.isEqual(bytes, other.bytes);"));
        assertTrue(trust.contains("MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8))"));
        assertFalse(trust.contains(".equals(presented") || trust.contains("presented.equals("));
    }

    @Test
    void noTokenInAnyLogOrUpstream() throws Exception {
        // Exercise the paths that log: failures, refusals, a broken upstream stream.
        Http.post(gw.url("/v1/chat/completions"), CHAT.formatted("vllm:llama3"), "Authorization", bearer(TOKEN));
        Http.post(gw.url("/v1/chat/completions"), CHAT.formatted("vllm:nope"), "Authorization", bearer(TOKEN));
        Http.post(
                gw.url("/v1/chat/completions"),
                "{\"model\":\"ollama:broken\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                "Authorization",
                bearer(TOKEN));
        Http.post(
                gw.url("/v1/chat/completions"),
                CHAT.formatted("ollama:dropping").replace("{\"model\"", "{\"stream\":true,\"model\""),
                "Authorization",
                bearer(TOKEN));
        Http.post(gw.url("/v1/chat/completions"), CHAT.formatted("vllm:llama3"), "Authorization", bearer(TOKEN + "x"));
        Http.get(gw.sidecarUrl("/internal/authz"), "Authorization", bearer(TOKEN));
        Thread.sleep(200);
        String sidecarLog = Files.exists(Path.of("target/test-sidecar.log"))
                ? Files.readString(Path.of("target/test-sidecar.log"))
                : "";
        for (String token : List.of(TOKEN, LIMITED, TOKEN + "x")) {
            assertFalse(gw.accessLog().contains(token), "token in nginx's access log");
            assertFalse(gw.errorLog().contains(token), "token in nginx's error log");
            assertFalse(sidecarLog.contains(token), "token in the sidecar's log");
            gw.vllm
                    .received()
                    .forEach(r -> assertFalse(
                            r.headers().toString().contains(token) || r.body().contains(token), "token sent to vLLM"));
            gw.ollama.received().forEach(r -> assertFalse(r.body().toString().contains(token), "token sent to Ollama"));
        }
        assertFalse(gw.accessLog().isBlank());
    }
}
