package rtkv.edge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import rtkv.config.RtkvSettings;
import rtkv.config.Settings;

/**
 * How a service that clients reach (api-service, fanout nodes) listens: TLS or not, and the limits that
 * keep one client address from taking the service down. Read from the environment with the service's
 * other settings.
 *
 * @param tlsKeystore              RTKV_TLS_KEYSTORE, default none (plain HTTP): a keystore holding the
 *                                 server's private key and certificate chain; with it the service
 *                                 speaks only TLS (https, wss) on its port
 * @param tlsKeystorePassword      RTKV_TLS_KEYSTORE_PASSWORD, required with a keystore
 * @param tlsKeystoreType          RTKV_TLS_KEYSTORE_TYPE, default PKCS12 (JKS also works)
 * @param maxConnectionsPerAddress RTKV_MAX_CONNECTIONS_PER_ADDRESS, default 256 (api-service) or 1,000: open
 *                                 connections from one client IP address; more are closed at once
 * @param handshakeTimeoutSeconds  RTKV_HANDSHAKE_TIMEOUT_SECONDS, default 10: a new connection that has
 *                                 not sent the headers of its first request (for a WebSocket, its
 *                                 upgrade request) within this long is closed, so slow or silent
 *                                 connections cannot pile up
 * @param authFailuresPerAddress   RTKV_AUTH_FAILURES_PER_ADDRESS, default 10: refused API keys per second
 *                                 from one client address; past it the address is answered 429 (or
 *                                 1013 on a WebSocket) without a key being looked up, so guessing keys
 *                                 cannot load the shard that holds them
 * @param trustedProxies           RTKV_TRUSTED_PROXIES, default none: addresses, CIDR blocks or ranges
 *                                 of the proxies in front of the service (an ingress controller, a load
 *                                 balancer), comma-separated. A request from one is counted against
 *                                 the client address its Forwarded or X-Forwarded-For header names
 *                                 (the nearest hop that is not a trusted proxy), and its own connections
 *                                 have no per-address cap; headers from anywhere else are ignored
 * @param forwardedHeader          RTKV_FORWARDED_HEADER, default X-Forwarded-For: the header the trusted
 *                                 proxies write, X-Forwarded-For or Forwarded; the other is never read
 */
public record EdgeConfig(Path tlsKeystore, String tlsKeystorePassword, String tlsKeystoreType,
                         int maxConnectionsPerAddress, int handshakeTimeoutSeconds, int authFailuresPerAddress,
                         List<String> trustedProxies, String forwardedHeader) {

    public EdgeConfig {
        trustedProxies = List.copyOf(trustedProxies);
    }

    /** Parses the edge settings; problems are recorded in {@code s} like the service's own. */
    public static EdgeConfig from(Settings s) {
        Path keystore = s.get(RtkvSettings.TLS_KEYSTORE);
        String password = s.get(RtkvSettings.TLS_KEYSTORE_PASSWORD);
        String type = s.get(RtkvSettings.TLS_KEYSTORE_TYPE);
        if (keystore != null) {
            if (password == null) {
                s.problem("RTKV_TLS_KEYSTORE_PASSWORD is required with RTKV_TLS_KEYSTORE");
            } else {
                loadProblem(keystore, password, type).ifPresent(s::problem);
            }
        } else if (password != null) {
            s.problem("RTKV_TLS_KEYSTORE_PASSWORD is set but RTKV_TLS_KEYSTORE is not");
        }
        List<String> proxies = new ArrayList<>();
        for (String pattern : s.get(RtkvSettings.TRUSTED_PROXIES)) {
            String problem = TrustedProxies.problem(pattern);
            if (problem != null) {
                s.problem("RTKV_TRUSTED_PROXIES: " + problem);
            } else {
                proxies.add(pattern);
            }
        }
        return new EdgeConfig(keystore, password, type,
                s.get(RtkvSettings.MAX_CONNECTIONS_PER_ADDRESS),
                s.get(RtkvSettings.HANDSHAKE_TIMEOUT_SECONDS),
                s.get(RtkvSettings.AUTH_FAILURES_PER_ADDRESS), proxies, s.get(RtkvSettings.FORWARDED_HEADER));
    }

    public boolean tls() {
        return tlsKeystore != null;
    }

    /** The keystore is opened once at start-up, so a wrong path or password is reported with the rest. */
    private static Optional<String> loadProblem(Path keystore, String password, String type) {
        if (!Files.isReadable(keystore)) {
            return Optional.of("RTKV_TLS_KEYSTORE " + keystore + " is not a readable file");
        }
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, password.toCharArray());
            boolean hasKey = false;
            for (String alias : Collections.list(store.aliases())) {
                hasKey |= store.isKeyEntry(alias);
            }
            return hasKey ? Optional.empty()
                    : Optional.of("RTKV_TLS_KEYSTORE " + keystore + " holds no private key");
        } catch (IOException | GeneralSecurityException e) {
            return Optional.of("RTKV_TLS_KEYSTORE " + keystore + " cannot be opened as " + type
                    + " with RTKV_TLS_KEYSTORE_PASSWORD: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "EdgeConfig[" + (tls() ? "tls " + tlsKeystore : "plain") + ", perAddress=" + maxConnectionsPerAddress
                + ", handshake=" + handshakeTimeoutSeconds + "s, authFailures=" + authFailuresPerAddress + "/s"
                + (trustedProxies.isEmpty() ? "" : ", trustedProxies=" + trustedProxies) + "]";
    }
}
