package dev.llmproxy.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Whom an https backend's certificate must be signed by: the certificates of its {@code ca_file} only (as nginx's
 * {@code proxy_ssl_trusted_certificate}, which replaces the system's bundle), or else the JDK's trust store.
 * The host name is checked either way ({@link Dialer}).
 */
public final class CaBundle {
    private CaBundle() {}

    /** TLS that trusts the certificates in the PEM file {@code caFile}, or the system's when empty. */
    public static SSLSocketFactory socketFactory(Optional<String> caFile) {
        if (caFile.isEmpty()) {
            return (SSLSocketFactory) SSLSocketFactory.getDefault();
        }
        try (InputStream in = Files.newInputStream(Path.of(caFile.get()))) {
            Collection<? extends Certificate> certs =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new IllegalArgumentException("ca_file " + caFile.get() + ": no PEM certificate in it");
            }
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int n = 0;
            for (Certificate c : certs) {
                trusted.setCertificateEntry("ca-" + n++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            return tls.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "ca_file " + caFile.get() + ": not a PEM bundle of certificates (" + e.getMessage() + ")", e);
        }
    }
}
