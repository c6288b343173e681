package dev.llmproxy.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible server that closes kept connections as real ones do, made deterministic: a request that
 * arrives on a connection the server has given up is met with a close and no answer (what a client sees when
 * its request crosses the server's FIN). {@link Mode#IDLE_CLOSE}: uvicorn (vLLM), which gives up a connection
 * idle for its keep-alive timeout (5 s; shorter here). {@link Mode#CLOSE_AFTER_STREAM}: llama.cpp's server, which
 * says keep-alive and closes right after a streamed answer.
 */
public final class RudeUpstream implements AutoCloseable {
    public enum Mode {
        IDLE_CLOSE,
        CLOSE_AFTER_STREAM
    }

    private final ServerSocket server;
    private final Mode mode;
    private final long idleMillis;
    /** Requests answered, and requests met with a close. */
    public final AtomicInteger answered = new AtomicInteger();

    public final AtomicInteger refused = new AtomicInteger();

    public RudeUpstream(Mode mode, long idleMillis) throws IOException {
        this.mode = mode;
        this.idleMillis = idleMillis;
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            long lastAnswer = -1;
            boolean givenUp = false;
            while (true) {
                String head = head(in);
                if (head == null) {
                    return;
                }
                String lower = head.toLowerCase(Locale.ROOT);
                int length = 0;
                for (String line : lower.split("\r\n")) {
                    if (line.startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).strip());
                    }
                }
                String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                boolean idleTooLong = mode == Mode.IDLE_CLOSE
                        && lastAnswer >= 0
                        && System.nanoTime() - lastAnswer >= idleMillis * 1_000_000;
                if (givenUp || idleTooLong) {
                    refused.incrementAndGet();
                    return; // closed, no answer
                }
                boolean stream = body.replace(" ", "").contains("\"stream\":true");
                boolean http10 = head.startsWith("POST ")
                        && head.substring(0, head.indexOf("\r\n")).endsWith("HTTP/1.0");
                if (stream && http10) { // no chunked coding for HTTP/1.0: the answer ends when the connection does
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                                    + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                                    + "\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n")
                            .getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    answered.incrementAndGet();
                    return;
                }
                if (stream) {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                                    + "Connection: keep-alive\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    for (String event : new String[] {
                        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n",
                        "data: [DONE]\n\n"
                    }) {
                        byte[] b = event.getBytes(StandardCharsets.UTF_8);
                        out.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(b);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    givenUp = mode == Mode.CLOSE_AFTER_STREAM; // it will close this one, whatever it said
                } else {
                    byte[] json =
                            ("{\"id\":\"c2\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                                            + "{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}")
                                    .getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + json.length
                                    + "\r\nConnection: keep-alive\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(json);
                }
                out.flush();
                answered.incrementAndGet();
                lastAnswer = System.nanoTime();
                if (lower.contains("\r\nconnection: close")) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            int n = head.size();
            if (n >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
