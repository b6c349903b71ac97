package rtkv.link;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * PEM files read at start-up, so that a wrong or unreadable file is named among the configuration's
 * problems instead of failing deep inside a driver at the first connection.
 */
final class Pem {

    private static final String PKCS8 = "-----BEGIN PRIVATE KEY-----";

    private Pem() {
    }

    /** The certificates of a PEM file (a CA bundle may hold several). */
    static List<X509Certificate> certificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toList();
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException(file + " holds no PEM certificate");
            }
            return certificates;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e);
        } catch (CertificateException e) {
            throw new IllegalArgumentException(file + " is not a PEM certificate file: " + e.getMessage());
        }
    }

    /** The text of a PEM file of certificates, checked. */
    static String certificateText(Path file) {
        certificates(file);
        return read(file);
    }

    /**
     * The text of an unencrypted PKCS#8 private key, the one form every client here takes (Kafka's PEM
     * key store among them); a key in another form is named with the command that converts it.
     */
    static String privateKeyText(Path file) {
        String text = read(file);
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new IllegalArgumentException(file + " is an encrypted key; give it unencrypted, from a Secret: "
                    + "openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        if (text.matches("(?s).*-----BEGIN (RSA|EC) PRIVATE KEY-----.*")) {
            throw new IllegalArgumentException(file + " is not in PKCS#8 form; convert it: "
                    + "openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        if (!text.contains(PKCS8) || !text.contains("-----END PRIVATE KEY-----")) {
            throw new IllegalArgumentException(file + " holds no whole PEM private key (" + PKCS8 + ")");
        }
        return text;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e);
        }
    }
}
