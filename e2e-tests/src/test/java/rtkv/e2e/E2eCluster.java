package rtkv.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import rtkv.client.Subscription;
import rtkv.infra.ClusterLayout;
import rtkv.infra.LocalCluster;
import rtkv.schema.ShardMap;

/**
 * One whole local cluster of real processes (two shards, three Kafka brokers as in production, two
 * relays, api-service, a fanout node) for every end-to-end test class, started once and stopped after
 * the last. Tests use tables of their own.
 */
final class E2eCluster implements BeforeAllCallback {

    static final ShardMap SHARDS = ShardMap.evenlySplit(2);
    private static LocalCluster cluster;
    private static Api api;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Running.class, k -> start(), Running.class);
    }

    private static synchronized Running start() {
        try {
            cluster = LocalCluster.of(ClusterLayout.onFreePorts(Files.createTempDirectory("rtkv-e2e"), 2, 3)).start();
            return new Running();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class Running implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            cluster.close();
        }
    }

    static LocalCluster cluster() {
        return cluster;
    }

    /**
     * One client for every test, as an application would have: a client per call would leave an idle
     * connection behind each time, and api-service allows an address only so many.
     */
    static synchronized Api api() {
        if (api == null) {
            api = new Api(cluster.apiUrl(), cluster.adminKey());
        }
        return api;
    }

    static String adminKey() {
        return cluster.adminKey();
    }

    /** A port free now, for a part a test adds to the cluster. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static String tableOnShard(int shard) {
        String prefix = "e2e-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        for (int i = 0; ; i++) {
            if (SHARDS.shardOf(prefix + i) == shard) {
                return prefix + i;
            }
        }
    }

    /** The relay of {@code shard} that holds its lease now: relay-N, or a standby a test added that took over. */
    static String activeRelay(int shard) {
        return cluster.runningParts().stream()
                .filter(part -> part.equals("relay-" + shard) || part.startsWith("relay-" + shard + "-"))
                .filter(part -> cluster.relayRole(part).equals(java.util.Optional.of("active")))
                .findFirst().orElseThrow(() -> new AssertionError("no active relay of shard " + shard));
    }

    static Connection shardOf(String table) throws SQLException {
        return DriverManager.getConnection(cluster.shardJdbcUrl(SHARDS.shardOf(table)), cluster.appUser(),
                cluster.appPassword());
    }

    /** What a subscription holds, in the form of {@link #liveRows}: key to "version value". */
    static TreeMap<String, String> viewOf(Subscription subscription) {
        TreeMap<String, String> view = new TreeMap<>();
        subscription.entries().forEach((key, entry) -> view.put(key, entry.version() + " " + Api.canonical(entry.value().toString())));
        return view;
    }

    /** Opens a subscription of {@code table} at the cluster's fanout node whose events {@code history} records. */
    static Subscription subscribeRecorded(History history, String name, String table) {
        History.Recorder recorder = history.subscriber(name, table);
        Subscription subscription = Subscription.to(cluster.fanoutUrl(), table).apiKey(adminKey())
                .httpClient(HttpClient.newHttpClient()).listener(recorder).open();
        recorder.staleDroppedFrom(subscription::staleDropped);
        return subscription;
    }

    /** {@code builder} watching what {@code scope} says: one key, a prefix, or the whole table. */
    static Subscription.Builder scoped(Subscription.Builder builder, History.Scope scope) {
        if (scope.only() != null) {
            return builder.only(scope.only());
        }
        return scope.prefix() != null ? builder.prefix(scope.prefix()) : builder;
    }

    /** The table's live rows as MySQL has them: key to "version value". */
    static TreeMap<String, String> liveRows(String table) throws SQLException {
        TreeMap<String, String> rows = new TreeMap<>();
        liveEntries(table).forEach((key, entry) -> rows.put(key, entry.version() + " " + entry.value()));
        return rows;
    }

    /** The table's live rows as MySQL has them, each value in {@link Api#canonical} spelling. */
    static TreeMap<String, History.Versioned> liveEntries(String table) throws SQLException {
        try (Connection c = shardOf(table);
             PreparedStatement s = c.prepareStatement("SELECT k, v, version FROM kv WHERE table_id = ?"
                     + " AND (expires_at IS NULL OR expires_at > ?)")) {
            s.setString(1, table);
            s.setLong(2, System.currentTimeMillis());
            TreeMap<String, History.Versioned> rows = new TreeMap<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.put(new String(rs.getBytes(1), StandardCharsets.UTF_8),
                            new History.Versioned(rs.getLong(3), Api.canonical(rs.getString(2))));
                }
            }
            return rows;
        }
    }
}
