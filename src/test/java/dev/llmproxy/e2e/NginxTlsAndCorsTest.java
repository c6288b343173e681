package dev.llmproxy.e2e;

import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.testing.Ports;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/** The nginx front's TLS termination and its CORS handling for browser apps. */
@Integration
class NginxTlsAndCorsTest {
    static final String TOKEN = "sk-tls-cors-0123456789";
    static final String TOKENS = "[{\"token\":\"" + TOKEN + "\",\"label\":\"web\",\"rpm\":1}]";
    static final String CHAT = "{\"model\":\"vllm:llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    /** A self-signed certificate for localhost, made with openssl as an operator would. */
    static Path[] selfSigned() throws Exception {
        Path dir = Files.createTempDirectory("llm-proxy-tls-");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process p = new ProcessBuilder(
                        "openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-days",
                        "2",
                        "-subj",
                        "/CN=localhost",
                        "-addext",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout",
                        key.toString(),
                        "-out",
                        cert.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        return new Path[] {cert, key};
    }

    static HttpClient trusting(Path cert) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            ks.setCertificateEntry(
                    "gateway", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ctx).build();
    }

    @Test
    void servesHttpsWithVerificationOnAndRedirectsPlainHttp() throws Exception {
        Path[] tls = selfSigned();
        int redirectPort = Ports.free();
        try (Gateway gw = Gateway.start(
                TOKENS,
                Map.of(
                        "TLS_CERT_FILE",
                        tls[0].toString(),
                        "TLS_KEY_FILE",
                        tls[1].toString(),
                        "NGINX_HTTP_REDIRECT_LISTEN",
                        "127.0.0.1:" + redirectPort))) {
            HttpClient client = trusting(tls[0]);
            var r = client.send(
                    HttpRequest.newBuilder(gw.httpsUrl("/v1/chat/completions"))
                            .header("Authorization", bearer(TOKEN))
                            .POST(HttpRequest.BodyPublishers.ofString(CHAT))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("HTTP_1_1", r.version().name());
            assertTrue(r.headers().firstValue("strict-transport-security").isPresent());

            // Without trusting our certificate, the client refuses: verification really is on.
            assertThrows(
                    SSLHandshakeException.class,
                    () -> HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(gw.httpsUrl("/healthz"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString()));

            // Plain HTTP to the TLS port: nginx's own answer, in JSON like every other.
            var plain =
                    Http.get(URI.create("http://127.0.0.1:" + gw.httpsUrl("/").getPort() + "/v1/models"));
            NginxGatewayTest.assertOpenAiError(plain, 400, "https_required");

            var redirect = Http.get(URI.create("http://127.0.0.1:" + redirectPort + "/v1/models?x=1"));
            assertEquals(308, redirect.statusCode());
            assertEquals(
                    "https://127.0.0.1:" + gw.httpsUrl("/").getPort() + "/v1/models?x=1",
                    redirect.headers().firstValue("location").orElse(null));
        }
    }

    @Test
    void corsForAllowedOriginsOnlyWithPreflightAnsweredByNginx() throws Exception {
        try (Gateway gw =
                Gateway.start(TOKENS, Map.of("CORS_ALLOW_ORIGINS", "https://app.example.com, http://localhost:3000"))) {
            String allowed = "https://app.example.com";
            var preflight = Http.send(
                    HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                            .method("OPTIONS", HttpRequest.BodyPublishers.noBody()),
                    "Origin",
                    allowed,
                    "Access-Control-Request-Method",
                    "POST",
                    "Access-Control-Request-Headers",
                    "authorization,content-type,x-stainless-os");
            assertEquals(204, preflight.statusCode());
            assertEquals(
                    allowed,
                    preflight
                            .headers()
                            .firstValue("access-control-allow-origin")
                            .orElse(null));
            assertTrue(preflight
                    .headers()
                    .firstValue("access-control-allow-methods")
                    .orElse("")
                    .contains("POST"));
            assertEquals(
                    "authorization,content-type,x-stainless-os",
                    preflight
                            .headers()
                            .firstValue("access-control-allow-headers")
                            .orElse(null));
            Thread.sleep(50);
            String logged = gw.accessLog()
                    .lines()
                    .filter(l -> l.contains("\"method\":\"OPTIONS\""))
                    .findFirst()
                    .orElseThrow();
            assertTrue(
                    logged.contains("\"upstream_status\":\"\""),
                    "the preflight reached no upstream, not even authz: " + logged);

            var ok = Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(TOKEN), "Origin", allowed);
            assertEquals(200, ok.statusCode());
            assertEquals(
                    allowed,
                    ok.headers().firstValue("access-control-allow-origin").orElse(null));
            assertTrue(ok.headers()
                    .firstValue("access-control-expose-headers")
                    .orElse("")
                    .contains("X-RateLimit-Remaining-Requests"));
            assertTrue(
                    ok.headers().firstValue("access-control-allow-methods").isEmpty(),
                    "preflight headers only on preflights");

            var limited =
                    Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(TOKEN), "Origin", allowed);
            assertEquals(429, limited.statusCode());
            assertEquals(
                    allowed,
                    limited.headers().firstValue("access-control-allow-origin").orElse(null),
                    "errors carry CORS headers too");
            var unauthorized = Http.post(gw.url("/v1/chat/completions"), CHAT, "Origin", "http://localhost:3000");
            assertEquals(401, unauthorized.statusCode());
            assertEquals(
                    "http://localhost:3000",
                    unauthorized
                            .headers()
                            .firstValue("access-control-allow-origin")
                            .orElse(null));

            String evil = "https://evil.example.net";
            var badPreflight = Http.send(
                    HttpRequest.newBuilder(gw.url("/v1/chat/completions"))
                            .method("OPTIONS", HttpRequest.BodyPublishers.noBody()),
                    "Origin",
                    evil,
                    "Access-Control-Request-Method",
                    "POST");
            assertNotEquals(204, badPreflight.statusCode());
            assertTrue(badPreflight
                    .headers()
                    .firstValue("access-control-allow-origin")
                    .isEmpty());
            var badCall =
                    Http.post(gw.url("/v1/chat/completions"), CHAT, "Authorization", bearer(TOKEN), "Origin", evil);
            assertTrue(
                    badCall.headers().firstValue("access-control-allow-origin").isEmpty());
            assertTrue(badCall.headers()
                    .firstValue("access-control-expose-headers")
                    .isEmpty());
        }
    }
}
