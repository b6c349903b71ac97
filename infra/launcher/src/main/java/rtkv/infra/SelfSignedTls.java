package rtkv.infra;

import java.io.IOException;
import java.io.InputStream;
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
 * keytool: what a service needs to serve TLS locally, and the client side that trusts exactly it.
 *
 * @param keystore where the keystore is (RTKV_TLS_KEYSTORE)
 * @param password its password (RTKV_TLS_KEYSTORE_PASSWORD)
 */
public record SelfSignedTls(Path keystore, String password) {

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
        return new SelfSignedTls(keystore, password);
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
