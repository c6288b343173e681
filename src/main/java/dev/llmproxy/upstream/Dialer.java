package dev.llmproxy.upstream;

import dev.llmproxy.backends.UpstreamUrl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/** Opens connections to the upstream: TCP, then for https TLS with the certificate checked against the host name. */
final class Dialer {
    private final UpstreamUrl base;
    private final int connectTimeoutMillis;
    private final SSLSocketFactory tls;
    private final ConnectionPool pool;

    Dialer(UpstreamUrl base, int connectTimeoutMillis, SSLSocketFactory tls, ConnectionPool pool) {
        this.base = base;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.tls = tls;
        this.pool = pool;
    }

    /** A connection not yet connected, so a call can claim it (and a cancel close it) before {@link #connect}. */
    Connection create() {
        return new Connection(new Socket(), pool);
    }

    /** Connects {@code c}; on failure the caller closes it. */
    void connect(Connection c) throws IOException {
        c.plain.setTcpNoDelay(true);
        c.plain.connect(new InetSocketAddress(base.host(), base.port()), connectTimeoutMillis);
        c.open(base.scheme().equals("https") ? tls(c.plain) : c.plain);
    }

    private Socket tls(Socket plain) throws IOException {
        SSLSocket s = (SSLSocket) tls.createSocket(plain, base.host(), base.port(), true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
        s.setSSLParameters(p);
        s.setSoTimeout(connectTimeoutMillis);
        s.startHandshake();
        return s;
    }
}
