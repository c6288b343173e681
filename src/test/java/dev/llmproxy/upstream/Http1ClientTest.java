package dev.llmproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmproxy.backends.BackendSpec;
import dev.llmproxy.backends.BackendType;
import dev.llmproxy.backends.UpstreamUrl;
import dev.llmproxy.support.Secret;
import dev.llmproxy.testing.Ports;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The upstream HTTP/1.1 client against a scripted server that writes exactly the bytes each test needs. */
class Http1ClientTest {
    private static final Duration CONNECT = Duration.ofSeconds(2);
    private static final Duration READ = Duration.ofSeconds(2);

    /** What the server does with one request: write an answer, and say whether to keep the connection. */
    interface Answer {
        boolean write(int connection, String request, OutputStream out) throws Exception;
    }

    /** Reads requests (head and Content-Length body) and answers each with {@link Answer}. */
    static final class ScriptedServer implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger connections = new AtomicInteger();
        final List<String> requests = new CopyOnWriteArrayList<>();
        final CompletableFuture<Boolean> peerClosed = new CompletableFuture<>();
        private final Answer answer;

        ScriptedServer(Answer answer) throws IOException {
            this.answer = answer;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    int n = connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> serve(s, n));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s, int connection) {
            try (s) {
                InputStream in = s.getInputStream();
                while (true) {
                    String request = readRequest(in);
                    if (request == null) {
                        peerClosed.complete(true);
                        return;
                    }
                    requests.add(request);
                    OutputStream out = s.getOutputStream();
                    boolean keep = answer.write(connection, request, out);
                    out.flush();
                    if (!keep) {
                        return;
                    }
                }
            } catch (Exception e) {
                peerClosed.complete(true);
            }
        }

        private static String readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                String h = head.toString(StandardCharsets.ISO_8859_1);
                if (h.endsWith("\r\n\r\n")) {
                    int length = 0;
                    for (String line : h.split("\r\n")) {
                        if (line.toLowerCase().startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    return h + new String(in.readNBytes(length), StandardCharsets.UTF_8);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private ScriptedServer server;
    private Http1Client client;

    private Http1Client client(ScriptedServer s, Duration read) {
        server = s;
        client = new Http1Client(new UpstreamUrl("http", "127.0.0.1", s.port(), "/ollama"), CONNECT, read);
        return client;
    }

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Http1Client.Response r) throws IOException {
        return new String(r.readBody(1 << 20), StandardCharsets.UTF_8);
    }

    @Test
    void sendsAWellFormedRequestAndKeepsTheConnectionForTheNextOne() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    write(
                            out,
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
                    return true;
                }),
                READ);
        for (int i = 0; i < 3; i++) {
            try (var r = c.post("/api/chat", "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8), "req-" + i)
                    .execute()) {
                assertEquals(200, r.status());
                assertEquals("application/json", r.header("CONTENT-TYPE"));
                assertEquals("{\"ok\":true}", text(r));
            }
        }
        assertEquals(1, server.connections.get(), "one connection for three requests");
        String first = server.requests.get(0);
        assertTrue(first.startsWith("POST /ollama/api/chat HTTP/1.1\r\n"), first);
        assertTrue(first.contains("\r\nHost: 127.0.0.1:" + server.port() + "\r\n"), first);
        assertTrue(first.contains("\r\nContent-Length: 13\r\n"), first);
        assertTrue(first.contains("\r\nX-Request-ID: req-0\r\n"), first);
        assertTrue(first.endsWith("\r\n\r\n{\"model\":\"m\"}"), first);
    }

    @Test
    void decodesChunkedBodiesWithExtensionsAndTrailers() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                    write(out, "5;ext=1\r\nhello\r\n");
                    out.flush();
                    write(out, "7\r\n, world\r\n" + "0\r\nX-Trailer: yes\r\n\r\n");
                    return true;
                }),
                READ);
        for (int i = 0; i < 2; i++) {
            try (var r = c.get("/api/tags", READ).execute()) {
                assertEquals("hello, world", text(r));
            }
        }
        assertEquals(1, server.connections.get(), "a chunked body read to its end leaves the connection reusable");
        assertTrue(server.requests.get(0).startsWith("GET /ollama/api/tags HTTP/1.1\r\n"));
    }

    @Test
    void aStreamClosedAfterItsLastLineKeepsTheConnectionWhenTheLastChunkIsIn() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                    write(out, "d\r\n{\"done\":true}\r\n");
                    write(out, "0\r\n\r\n");
                    return true;
                }),
                READ);
        for (int i = 0; i < 2; i++) {
            var r = c.post("/api/chat", new byte[] {'{', '}'}, "id").execute();
            byte[] buf = new byte[8192];
            assertEquals("{\"done\":true}", new String(buf, 0, r.body().read(buf), StandardCharsets.UTF_8));
            Thread.sleep(50); // the last chunk arrives
            r.close(); // as a reader that stops at the done line does
        }
        assertEquals(1, server.connections.get());
    }

    @Test
    void aBodyWithoutLengthEndsWhenTheUpstreamClosesAndTheConnectionIsNotKept() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    write(out, "HTTP/1.1 200 OK\r\n\r\nuntil close");
                    return false;
                }),
                READ);
        for (int i = 0; i < 2; i++) {
            try (var r = c.get("/x", READ).execute()) {
                assertEquals("until close", text(r));
            }
        }
        assertEquals(2, server.connections.get());
    }

    @Test
    void aKeptConnectionTheUpstreamClosedIsReplacedAndTheRequestSentOnce() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    return false; // closes after each answer without saying so: the kept connection is dead
                }),
                READ);
        try (var r = c.get("/first", READ).execute()) {
            assertEquals("ok", text(r));
        }
        Thread.sleep(100); // the close reaches us
        try (var r = c.post("/second", new byte[] {'{', '}'}, "id").execute()) {
            assertEquals("ok", text(r));
        }
        assertEquals(2, server.connections.get());
        assertEquals(
                1,
                server.requests.stream()
                        .filter(q -> q.startsWith("POST /ollama/second"))
                        .count());
    }

    @Test
    void anEmptyAnswerKeepsItsConnection() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    write(out, "HTTP/1.1 204 No Content\r\n\r\n");
                    return true;
                }),
                READ);
        for (int i = 0; i < 3; i++) {
            try (var r = c.get("/x", READ).execute()) {
                assertEquals(204, r.status());
                assertEquals(-1, r.body().read());
            }
        }
        assertEquals(1, server.connections.get());
    }

    @Test
    void aKeptConnectionThatBreaksLateIsNotRetried() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    if (req.startsWith("POST")) {
                        Thread.sleep(800); // working on it, then gone: the request may have been acted on
                        return false;
                    }
                    write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    return true;
                }),
                READ);
        try (var r = c.get("/api/tags", READ).execute()) {
            assertEquals("ok", text(r));
        }
        assertThrows(
                EOFException.class,
                () -> c.post("/api/generate", new byte[] {'{', '}'}, "id").execute());
        assertEquals(
                1, server.requests.stream().filter(q -> q.startsWith("POST")).count());
    }

    @Test
    void aNegativeContentLengthIsRefused() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    write(out, "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n");
                    return false;
                }),
                READ);
        IOException e = assertThrows(IOException.class, () -> c.get("/x", READ).execute());
        assertTrue(e.getMessage().contains("Content-Length"), e.getMessage());
    }

    @Test
    void aFreshConnectionClosedWithoutAnAnswerIsAnErrorNotARetry() throws Exception {
        var c = client(new ScriptedServer((conn, req, out) -> false), READ);
        assertThrows(
                EOFException.class,
                () -> c.post("/api/generate", new byte[] {'{', '}'}, "id").execute());
        assertEquals(1, server.requests.size(), "a request the upstream may have acted on is never sent twice");
    }

    @Test
    void anUpstreamThatNeverAnswersTimesOutAndIsNotRetried() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    Thread.sleep(5_000);
                    return false;
                }),
                Duration.ofMillis(300));
        long t0 = System.nanoTime();
        assertThrows(
                SocketTimeoutException.class,
                () -> c.post("/api/chat", new byte[] {'{', '}'}, "id").execute());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 250 && ms < 3_000, "timed out after " + ms + " ms");
        assertEquals(1, server.requests.size());
    }

    @Test
    void aTimeoutOnAKeptConnectionIsNotRetriedEither() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    if (req.startsWith("POST")) {
                        Thread.sleep(5_000); // busy with it: sending it again would run it twice
                        return false;
                    }
                    write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    return true;
                }),
                Duration.ofMillis(300));
        try (var r = c.get("/api/tags", READ).execute()) {
            assertEquals("ok", text(r));
        }
        assertThrows(
                SocketTimeoutException.class,
                () -> c.post("/api/chat", new byte[] {'{', '}'}, "id").execute());
        assertEquals(
                1, server.requests.stream().filter(q -> q.startsWith("POST")).count());
    }

    @Test
    void aStreamSilentForLongerThanTheReadTimeoutBreaks() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n");
                    out.flush();
                    Thread.sleep(5_000);
                    return false;
                }),
                Duration.ofMillis(300));
        try (var r = c.post("/api/chat", new byte[] {'{', '}'}, "id").execute()) {
            byte[] buf = new byte[16];
            assertEquals(3, r.body().read(buf));
            assertThrows(SocketTimeoutException.class, () -> r.body().read(buf));
        }
    }

    @Test
    void anUnreachableUpstreamIsAConnectFailure() {
        var c = new Http1Client(new UpstreamUrl("http", "127.0.0.1", Ports.free(), ""), CONNECT, READ);
        client = c;
        assertThrows(
                Http1Client.ConnectFailedException.class,
                () -> c.get("/api/tags", READ).execute());
    }

    /** Java says only the name; the error a client and the log see says what is wrong with it. */
    @Test
    void aHostNameThatDoesNotResolveIsAConnectFailureThatSaysSo() {
        var c = new Http1Client(new UpstreamUrl("http", "vllm.llm-proxy.invalid", 8000, ""), CONNECT, READ);
        client = c;
        var e = assertThrows(
                Http1Client.ConnectFailedException.class,
                () -> c.get("/v1/models", READ).execute());
        assertEquals("cannot connect to vllm.llm-proxy.invalid:8000: its host name does not resolve", e.getMessage());
    }

    static BackendSpec backend(Duration keepalive, String... urls) {
        List<String> problems = new java.util.ArrayList<>();
        List<UpstreamUrl> parsed = java.util.Arrays.stream(urls)
                .map(u -> UpstreamUrl.parse("url", u, problems))
                .toList();
        assertEquals(List.of(), problems);
        return new BackendSpec(
                "b",
                BackendType.OLLAMA,
                parsed,
                Optional.empty(),
                Map.of(),
                Optional.of(new Secret("sk-upstream-key")),
                Optional.of("UPSTREAM_KEY"),
                Map.of("X-Tenant", "team-a"),
                Optional.empty(),
                keepalive,
                false);
    }

    static ScriptedServer ok() throws IOException {
        return new ScriptedServer((conn, req, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            return true;
        });
    }

    @Test
    void aBackendsClientSendsItsKeyAndHeadersAndPassesARefusedCallToTheNextReplica() throws Exception {
        try (var up = ok();
                var c = new Http1Client(
                        backend(
                                Duration.ofSeconds(4),
                                "http://127.0.0.1:" + Ports.free(),
                                "http://127.0.0.1:" + up.port()),
                        CONNECT,
                        READ)) {
            for (int i = 0; i < 4; i++) {
                try (var r = c.get("/api/tags", READ).execute()) {
                    assertEquals("ok", text(r));
                }
            }
            assertEquals(4, up.requests.size(), "every call answered by the replica that listens");
            assertTrue(
                    up.requests.get(0).contains("\r\nAuthorization: Bearer sk-upstream-key\r\n"), up.requests.get(0));
            assertTrue(up.requests.get(0).contains("\r\nX-Tenant: team-a\r\n"), up.requests.get(0));
        }
    }

    @Test
    void theHostHeaderCarriesThePortOnlyWhenItIsNotTheSchemes() {
        assertEquals("api.example.com", new UpstreamUrl("https", "api.example.com", 443, "").hostHeader());
        assertEquals("gpu-1", new UpstreamUrl("http", "gpu-1", 80, "").hostHeader());
        assertEquals("gpu-1:8000", new UpstreamUrl("http", "gpu-1", 8000, "").hostHeader());
        assertEquals("api.example.com:80", new UpstreamUrl("https", "api.example.com", 80, "").hostHeader());
        assertEquals("[::1]", new UpstreamUrl("http", "::1", 80, "").hostHeader());
    }

    @Test
    void aKeepaliveOfZeroKeepsNoConnectionAndAShortOneLetsThemGo() throws Exception {
        try (var up = ok();
                var none = new Http1Client(backend(Duration.ZERO, "http://127.0.0.1:" + up.port()), CONNECT, READ)) {
            for (int i = 0; i < 3; i++) {
                try (var r = none.get("/", READ).execute()) {
                    assertEquals("ok", text(r));
                }
            }
            assertEquals(3, up.connections.get(), "a connection per call");
        }
        try (var up = ok();
                var brief = new Http1Client(
                        backend(Duration.ofMillis(300), "http://127.0.0.1:" + up.port()), CONNECT, READ)) {
            for (int i = 0; i < 2; i++) {
                try (var r = brief.get("/", READ).execute()) {
                    assertEquals("ok", text(r));
                }
            }
            assertEquals(1, up.connections.get(), "kept within its keep-alive");
            Thread.sleep(400);
            try (var r = brief.get("/", READ).execute()) {
                assertEquals("ok", text(r));
            }
            assertEquals(2, up.connections.get(), "not kept past it");
        }
    }

    @Test
    void cancelEndsABlockedCallAtOnceAndClosesTheUpstreamConnection() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    Thread.sleep(10_000);
                    return false;
                }),
                Duration.ofSeconds(30));
        var call = c.post("/api/chat", new byte[] {'{', '}'}, "id");
        var failed = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        call.execute().close();
                        return null;
                    } catch (IOException e) {
                        return e;
                    }
                },
                r -> Thread.ofVirtual().start(r));
        while (server.requests.isEmpty()) {
            Thread.sleep(10);
        }
        long t0 = System.nanoTime();
        call.cancel();
        assertTrue(failed.get(2, TimeUnit.SECONDS) instanceof IOException);
        assertTrue(call.cancelled());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 1_000);
    }

    @Test
    void closingAStreamBeforeItsEndClosesTheConnectionSoTheUpstreamStops() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                    for (int i = 0; i < 100; i++) {
                        write(out, "6\r\ntoken\n\r\n");
                        out.flush();
                        Thread.sleep(20);
                    }
                    write(out, "0\r\n\r\n");
                    return true;
                }),
                READ);
        var r = c.post("/api/chat", new byte[] {'{', '}'}, "id").execute();
        r.body().readNBytes(12);
        r.close();
        // The server's next write fails or its next read sees the end: either way it learns we left.
        assertTrue(server.peerClosed.get(5, TimeUnit.SECONDS));
        try (var again = c.get("/api/tags", READ).execute()) {
            assertEquals(200, again.status());
        }
        assertEquals(2, server.connections.get(), "a half-read connection is never reused");
    }

    @Test
    void cancellingACallThatIsOverLeavesTheConnectionItGaveBackAlone() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    return true;
                }),
                READ);
        var first = c.get("/a", READ);
        try (var r = first.execute()) {
            assertEquals("ok", text(r));
        }
        first.cancel(); // e.g. its client left just after the answer
        try (var r = c.get("/b", READ).execute()) {
            assertEquals("ok", text(r));
        }
        assertEquals(1, server.connections.get(), "the kept connection was still good");
    }

    @Test
    void anEndlessHeadIsRefused() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    write(out, "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(100_000) + "\r\n\r\n");
                    return false;
                }),
                READ);
        IOException e = assertThrows(IOException.class, () -> c.get("/x", READ).execute());
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }

    @Test
    void errorStatusesComeBackWithTheirBodies() throws Exception {
        var c = client(
                new ScriptedServer((conn, req, out) -> {
                    write(
                            out,
                            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 27\r\n\r\n{\"error\":\"model not found\"}");
                    return true;
                }),
                READ);
        try (var r = c.post("/api/chat", new byte[] {'{', '}'}, "id").execute()) {
            assertEquals(404, r.status());
            assertEquals("{\"error\":\"model not found\"}", text(r));
        }
    }

    /** A key pair and self-signed certificate for {@code san}, made by the JDK's keytool. */
    private static java.security.KeyStore selfSigned(java.nio.file.Path dir, String san) throws Exception {
        java.nio.file.Path store = dir.resolve("upstream.p12");
        Process p = new ProcessBuilder(
                        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "upstream",
                        "-keyalg",
                        "EC",
                        "-dname",
                        "CN=upstream",
                        "-ext",
                        "SAN=" + san,
                        "-validity",
                        "2",
                        "-keystore",
                        store.toString(),
                        "-storetype",
                        "PKCS12",
                        "-storepass",
                        "changeit")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        var ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        return ks;
    }

    private static ServerSocket tlsServer(java.security.KeyStore ks) throws Exception {
        var kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        ServerSocket server = ctx.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            ScriptedServer.readRequest(s.getInputStream());
                            write(s.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret");
                        } catch (Exception ignored) {
                            // a client that refused our certificate
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server;
    }

    private static javax.net.ssl.SSLSocketFactory trusting(java.security.KeyStore ks) throws Exception {
        var tmf =
                javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }

    @Test
    void httpsUpstreamsAreVerifiedByCertificateAndHostName(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        var ks = selfSigned(dir, "ip:127.0.0.1");
        try (ServerSocket tls = tlsServer(ks)) {
            var url = new UpstreamUrl("https", "127.0.0.1", tls.getLocalPort(), "");
            try (var trustingClient = new Http1Client(url, CONNECT, READ, trusting(ks));
                    var r = trustingClient.get("/api/tags", READ).execute()) {
                assertEquals("secret", text(r));
            }
            try (var defaultTrust = new Http1Client(url, CONNECT, READ)) {
                var e = assertThrows(
                        Http1Client.ConnectFailedException.class,
                        () -> defaultTrust.get("/api/tags", READ).execute());
                assertTrue(
                        e.getCause() instanceof javax.net.ssl.SSLException,
                        "an unknown certificate is refused: " + e.getCause());
            }
        }
    }

    @Test
    void aCertificateForAnotherHostIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        var ks = selfSigned(dir, "dns:ollama.example");
        try (ServerSocket tls = tlsServer(ks);
                var c = new Http1Client(
                        new UpstreamUrl("https", "127.0.0.1", tls.getLocalPort(), ""), CONNECT, READ, trusting(ks))) {
            var e = assertThrows(
                    Http1Client.ConnectFailedException.class,
                    () -> c.get("/api/tags", READ).execute());
            assertTrue(e.getCause() instanceof javax.net.ssl.SSLException, String.valueOf(e.getCause()));
        }
    }
}
