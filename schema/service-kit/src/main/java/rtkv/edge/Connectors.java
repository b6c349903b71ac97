package rtkv.edge;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** The one listening connector of a service: HTTP, or TLS when a keystore is configured, guarded by {@link ConnectionGuard}. */
public final class Connectors {

    /**
     * An HTTP connection idle this long is closed (a WebSocket's own timeout takes over once it is
     * upgraded). A client should drop its idle connections sooner: one reused at the moment the server
     * closes it fails its request.
     */
    public static final long IDLE_TIMEOUT_MILLIS = 30_000;

    private Connectors() {
    }

    /**
     * For Javalin's {@code config.jetty.addConnector}: the service then listens on this connector only,
     * and what Jetty refuses itself is answered in JSON too.
     */
    public static ServerConnector create(Server server, HttpConfiguration http, String host, int port, EdgeConfig edge) {
        server.setErrorHandler(new JsonErrorHandler());
        TrustedProxies proxies = new TrustedProxies(edge.trustedProxies(), edge.forwardedHeader());
        if (!edge.trustedProxies().isEmpty()) {
            http.addCustomizer(proxies);
        }
        ServerConnector connector;
        if (edge.tls()) {
            SslContextFactory.Server tls = new SslContextFactory.Server();
            tls.setKeyStorePath(edge.tlsKeystore().toString());
            tls.setKeyStorePassword(edge.tlsKeystorePassword());
            tls.setKeyStoreType(edge.tlsKeystoreType());
            // One service per port, no virtual hosts: a certificate for the service's name is enough,
            // and clients that reach it by IP address (sending no SNI) are served too.
            SecureRequestCustomizer secure = new SecureRequestCustomizer(false);
            secure.setSniHostCheck(false);
            http.addCustomizer(secure);
            connector = new ServerConnector(server, tls, new HttpConnectionFactory(http));
        } else {
            connector = new ServerConnector(server, new HttpConnectionFactory(http));
        }
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
        connector.addEventListener(new ConnectionGuard(connector, edge.maxConnectionsPerAddress(),
                edge.handshakeTimeoutSeconds() * 1000L, proxies::trusts));
        return connector;
    }
}
