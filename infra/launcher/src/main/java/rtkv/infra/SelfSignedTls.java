package rtkv.infra;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for 127.0.0.1 and localhost in a PKCS12 keystore, made with the JDK's
 * keytool: what a service needs to serve TLS locally, and the client side that trusts exactly it. The
 * certificate and its key are also written as PEM files, for the servers (MariaDB) and clients (Kafka's)
 * that take that form; the certificate is its own CA.
 *
 * @param keystore    where the keystore is (RTKV_TLS_KEYSTORE)
 * @param password    its password (RTKV_TLS_KEYSTORE_PASSWORD)
 * @param certificate the certificate as PEM, also the CA file its clients trust
 * @param privateKey  its unencrypted PKCS#8 key as PEM, readable by the owner only
 */
public record SelfSignedTls(Path keystore, String password, Path certificate, Path privateKey) {

    public static SelfSignedTls create(Path dir) {
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path keystore = dir.resolve("rtkv-tls.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = List.of(keytool.toString(), "-genkeypair", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", password, "-keypass", password, "-alias", "rtkv",
                "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost");
        try {
            // A new key each time: keytool would refuse to add a second one under the same name.
            Files.createDirectories(dir);
            Files.deleteIfExists(keystore);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(Duration.ofMinutes(1).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                    || process.exitValue() != 0) {
                throw new LauncherException("keytool could not make a certificate: " + output);
            }
        } catch (IOException e) {
            throw new LauncherException("cannot run " + keytool, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted while making a certificate", e);
        }
        return writePem(keystore, password);
    }

    private static SelfSignedTls writePem(Path keystore, String password) {
        Path certificate = keystore.resolveSibling("rtkv-tls-cert.pem");
        Path privateKey = keystore.resolveSibling("rtkv-tls-key.pem");
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password.toCharArray());
            Files.writeString(certificate, pem("CERTIFICATE", store.getCertificate("rtkv").getEncoded()));
            Secrets.writeOwnerOnly(privateKey);
            Files.writeString(privateKey, pem("PRIVATE KEY", store.getKey("rtkv", password.toCharArray()).getEncoded()));
            return new SelfSignedTls(keystore, password, certificate, privateKey);
        } catch (IOException | GeneralSecurityException e) {
            throw new LauncherException("cannot write the PEM files of " + keystore, e);
        }
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    @Override
    public String toString() {
        return "SelfSignedTls[" + keystore + "]";
    }

    /** A client context that trusts this certificate and nothing else. */
    public SSLContext clientContext() {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore own = KeyStore.getInstance("PKCS12");
            own.load(in, password.toCharArray());
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("rtkv", own.getCertificate("rtkv"));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new LauncherException("cannot read " + keystore, e);
        }
    }
}
