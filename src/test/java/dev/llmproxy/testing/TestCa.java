package dev.llmproxy.testing;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A certificate authority of the tests' own, made with openssl as an operator would: its PEM bundle (what a
 * backend's {@code ca_file} names) and server certificates it signs for a host name.
 */
public final class TestCa {
    private final Path dir;
    public final Path bundle;

    public TestCa() throws Exception {
        dir = Files.createTempDirectory("llm-proxy-ca-");
        bundle = dir.resolve("ca.pem");
        openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=llm-proxy test CA",
                "-keyout",
                dir.resolve("ca.key").toString(),
                "-out",
                bundle.toString());
    }

    /** A TLS server context with a key and certificate for {@code host}, signed by this CA. */
    public SSLContext serverFor(String host) throws Exception {
        String n = host.replaceAll("[^a-z0-9]", "_");
        Path key = dir.resolve(n + ".key");
        Path csr = dir.resolve(n + ".csr");
        Path cert = dir.resolve(n + ".pem");
        Path ext = dir.resolve(n + ".ext");
        Files.writeString(ext, "subjectAltName=DNS:" + host + "\n");
        openssl(
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=" + host,
                "-keyout",
                key.toString(),
                "-out",
                csr.toString());
        openssl(
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                bundle.toString(),
                "-CAkey",
                dir.resolve("ca.key").toString(),
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                ext.toString(),
                "-out",
                cert.toString());
        Path p12 = dir.resolve(n + ".p12");
        openssl(
                "pkcs12",
                "-export",
                "-inkey",
                key.toString(),
                "-in",
                cert.toString(),
                "-passout",
                "pass:test",
                "-out",
                p12.toString());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, "test".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "test".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        return tls;
    }

    private void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + ":\n" + out);
        }
    }
}
