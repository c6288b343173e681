package dev.llmproxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A certificate authority for tests, made with the JDK's keytool: its certificate as a PEM bundle for
 * {@code ca_file}, and server certificates it signs for a host name. It runs no program but the JDK's, so a
 * sidecar-only test using it stays in the unit loop.
 */
public final class KeytoolCa {
    private static final String PASSWORD = "changeit";

    private final Path dir;
    private final Path store;
    private final Path pem;

    /** A new CA whose files live in {@code dir} (a path without spaces, as a JUnit temporary directory). */
    public KeytoolCa(Path dir) throws Exception {
        this.dir = dir;
        this.store = dir.resolve("ca.p12");
        this.pem = dir.resolve("ca.pem");
        keytool("-genkeypair -alias ca -keyalg EC -dname CN=llm-proxy-test-ca -ext bc:c -validity 2 -storetype PKCS12"
                + " -keystore " + store);
        keytool("-exportcert -rfc -alias ca -keystore " + store + " -file " + pem);
    }

    /** The CA's certificate, PEM: what a backend's {@code ca_file} names. */
    public Path pem() {
        return pem;
    }

    /** TLS for a server holding a key and a certificate for {@code host} that this CA signed. */
    public SSLContext serverFor(String host) throws Exception {
        Path server = dir.resolve("server-" + host + ".p12");
        Path csr = dir.resolve("server-" + host + ".csr");
        Path cert = dir.resolve("server-" + host + ".pem");
        keytool("-genkeypair -alias server -keyalg EC -dname CN=" + host + " -validity 2 -storetype PKCS12"
                + " -keystore " + server);
        keytool("-certreq -alias server -keystore " + server + " -file " + csr);
        keytool("-gencert -rfc -alias ca -keystore " + store + " -infile " + csr + " -outfile " + cert
                + " -ext SAN=dns:" + host + " -validity 2");

        // The signed certificate replaces the self-signed one here rather than by two more keytool runs.
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(server)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        var x509 = CertificateFactory.getInstance("X.509");
        Certificate signed;
        Certificate caCert;
        try (InputStream s = Files.newInputStream(cert);
                InputStream c = Files.newInputStream(pem)) {
            signed = x509.generateCertificate(s);
            caCert = x509.generateCertificate(c);
        }
        Key key = ks.getKey("server", PASSWORD.toCharArray());
        ks.setKeyEntry("server", key, PASSWORD.toCharArray(), new Certificate[] {signed, caCert});
        var kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        return tls;
    }

    /** Runs keytool with {@code args} (split on spaces) and the store password. */
    private static void keytool(String args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args.split(" ")));
        command.addAll(List.of("-storepass", PASSWORD));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("keytool " + args + " failed: " + out);
        }
    }
}
