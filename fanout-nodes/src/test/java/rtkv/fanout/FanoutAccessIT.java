package rtkv.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.fanout.FanoutFixture.ADMIN_KEY;
import static rtkv.fanout.FanoutFixture.HTTP;
import static rtkv.fanout.FanoutFixture.changes;
import static rtkv.fanout.FanoutFixture.insert;
import static rtkv.fanout.FanoutFixture.lastSnapshotFrame;
import static rtkv.fanout.FanoutFixture.ofType;
import static rtkv.fanout.FanoutFixture.parsed;
import static rtkv.fanout.FanoutFixture.publish;
import static rtkv.fanout.FanoutFixture.startServer;
import static rtkv.fanout.FanoutFixture.table;
import static rtkv.fanout.FanoutFixture.url;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import rtkv.auth.ApiKeys;
import rtkv.auth.KeyRecord;
import rtkv.auth.Scope;
import rtkv.infra.LauncherException;
import rtkv.infra.SelfSignedTls;
import rtkv.infra.TableSubscription;

/** Who may subscribe, checked before any data is sent; revoked and expired keys lose their subscriptions. */
@ExtendWith(FanoutFixture.class)
class FanoutAccessIT {

    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;

    /** A key as api-service would store it: a row of rtkv.keys on the shard. Answers the whole key. */
    private static String issue(KeyRecord record) throws Exception {
        String id = ApiKeys.newId(RANDOM);
        String secret = ApiKeys.newSecret(RANDOM);
        KeyRecord stored = new KeyRecord(record.name(), ApiKeys.hash(secret), record.scopes(), record.createdAt(),
                record.expiresAt(), record.revokedAt(), record.rateLimit());
        insert(KeyRecord.TABLE, id, stored.toJson(), 1);
        return ApiKeys.format(id, secret);
    }

    private static KeyRecord grants(String... scopes) {
        return new KeyRecord("test", "", java.util.Arrays.stream(scopes).map(Scope::parse).toList(),
                System.currentTimeMillis(), null, null, null);
    }

    private static TableSubscription open(String table, String key) {
        return TableSubscription.open(HTTP, url(), table, key, null, TableSubscription.HEARTBEAT, frame -> { });
    }

    @Test
    void aSubscriptionWithoutAKeyThatMaySubscribeIsRefusedBeforeAnyDataIsSent() throws Exception {
        String table = table();
        insert(table, "secret", "\"not for you\"", 1);
        long now = System.currentTimeMillis();
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("no key", null);
        refused.put("not a key", "hunter2");
        refused.put("an unknown key", "rk.0123456789abcdef." + "A".repeat(43));
        refused.put("a revoked key", issue(new KeyRecord("revoked", "", List.of(Scope.parse("subscribe:" + table)),
                now, null, now - 1, null)));
        refused.put("an expired key", issue(new KeyRecord("expired", "", List.of(Scope.parse("subscribe:" + table)),
                now - 10_000, now - 1, null, null)));
        Map<String, String> forbidden = new LinkedHashMap<>();
        forbidden.put("a key for another table", issue(grants("subscribe:" + table + "-other", "read:" + table)));
        forbidden.put("a key that may only read and write", issue(grants("read:" + table, "write:" + table)));

        List<String> wrong = new ArrayList<>();
        Map<String, String> cases = new LinkedHashMap<>();
        refused.forEach((what, key) -> cases.put(what, key));
        forbidden.forEach((what, key) -> cases.put(what, key));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            boolean isForbidden = forbidden.containsKey(c.getKey());
            TableSubscription subscription = open(table, c.getValue());
            String closed = subscription.closed().get(30, TimeUnit.SECONDS);
            List<JsonNode> frames = parsed(subscription);
            String expectedCode = isForbidden ? "4403 " : "4401 ";
            String expectedError = isForbidden ? "forbidden" : "unauthorized";
            if (!closed.startsWith(expectedCode) || frames.size() != 1
                    || !expectedError.equals(frames.get(0).path("error").asText())) {
                wrong.add(c.getKey() + ": closed " + closed + " after " + frames);
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));

        TableSubscription keys = open(KeyRecord.TABLE, ADMIN_KEY);
        assertTrue(keys.closed().get(30, TimeUnit.SECONDS).startsWith("4403 "), "not even the admin key streams the keys");

        try (TableSubscription allowed = open(table, issue(grants("subscribe:" + table)))) {
            await("the snapshot").atMost(Duration.ofSeconds(30)).until(() -> !ofType(allowed, "snapshot").isEmpty());
            assertEquals("secret", lastSnapshotFrame(allowed).get("entries").get(0).get("key").asText());
        }
    }

    @Test
    void aRevokedKeysOpenSubscriptionsAreClosedWithinSecondsAndOthersStay() throws Exception {
        String table = table();
        long now = System.currentTimeMillis();
        KeyRecord granted = grants("subscribe:" + table);
        String doomed = issue(granted);
        String id = ApiKeys.parse(doomed).orElseThrow().id();
        String other = issue(grants("subscribe:" + table));
        try (TableSubscription victim = open(table, doomed); TableSubscription bystander = open(table, other)) {
            await("both subscribed").atMost(Duration.ofSeconds(30))
                    .until(() -> !ofType(victim, "snapshot").isEmpty() && !ofType(bystander, "snapshot").isEmpty());

            // The revocation as api-service writes it, reaching this node through the change stream.
            KeyRecord revoked = new KeyRecord(granted.name(), ApiKeys.hash(ApiKeys.parse(doomed).orElseThrow().secret()),
                    granted.scopes(), granted.createdAt(), null, now, null);
            publish(KeyRecord.TABLE, id, revoked.toJson(), 2);

            String closed = victim.closed().get(10, TimeUnit.SECONDS);
            assertTrue(closed.startsWith("4401 "), closed);
            assertEquals("the API key was revoked", ofType(victim, "error").get(0).get("message").asText());
            publish(table, "after", "1", 1);
            await("the other key's subscription goes on").atMost(Duration.ofSeconds(30))
                    .until(() -> changes(bystander).size() == 1);
            assertFalse(bystander.closed().isDone());
        }
    }

    @Test
    void aSubscriptionEndsWhenItsKeyExpires() throws Exception {
        String table = table();
        long now = System.currentTimeMillis();
        String shortLived = issue(new KeyRecord("short", "", List.of(Scope.parse("subscribe:" + table)), now,
                now + 5_000, null, null));
        TableSubscription subscription = open(table, shortLived);
        await("subscribed").atMost(Duration.ofSeconds(30)).until(() -> !ofType(subscription, "snapshot").isEmpty());
        String closed = subscription.closed().get(30, TimeUnit.SECONDS);
        assertTrue(closed.startsWith("4401 "), closed);
        assertEquals("the API key has expired", ofType(subscription, "error").get(0).get("message").asText());
    }

    @Test
    void overTlsAnUpgradedSubscriptionOutlivesTheHandshakeTimeoutAndExtraConnectionsAreRefused() throws Exception {
        SelfSignedTls tls = SelfSignedTls.create(dir);
        try (FanoutServer secure = startServer(Map.of("RTKV_TLS_KEYSTORE", tls.keystore().toString(),
                "RTKV_TLS_KEYSTORE_PASSWORD", tls.password(), "RTKV_HANDSHAKE_TIMEOUT_SECONDS", "2",
                "RTKV_MAX_CONNECTIONS_PER_ADDRESS", "2"))) {
            String table = table();
            HttpClient https = HttpClient.newBuilder().sslContext(tls.clientContext()).build();
            String wss = "wss://127.0.0.1:" + secure.port();
            try (TableSubscription subscription = TableSubscription.open(https, wss, table, ADMIN_KEY, null,
                    TableSubscription.HEARTBEAT, frame -> { })) {
                await("subscribed over TLS").atMost(Duration.ofSeconds(30)).until(() -> !ofType(subscription, "snapshot").isEmpty());
                try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), secure.port())) {
                    silent.setSoTimeout(100);
                    await("a connection that never upgrades is closed").atMost(Duration.ofSeconds(10))
                            .until(() -> closedByServer(silent));
                    try (Socket second = new Socket(InetAddress.getLoopbackAddress(), secure.port())) {
                        // The node counts a socket once its selector has taken it, which on a busy machine can
                        // come after the next connection's handshake has begun: that one is let in and closed.
                        await("a third connection from this address is refused").atMost(Duration.ofSeconds(10))
                                .until(() -> {
                                    try (TableSubscription third = TableSubscription.open(https, wss, table, ADMIN_KEY, null,
                                            null, frame -> { })) {
                                        return false;
                                    } catch (LauncherException e) {
                                        return true;
                                    }
                                });
                    }
                }
                await("the refused and the closed connections no longer count").atMost(Duration.ofSeconds(30)).until(() -> {
                    try (TableSubscription again = TableSubscription.open(https, wss, table, ADMIN_KEY, null, null, frame -> { })) {
                        return true;
                    } catch (LauncherException e) {
                        return false;
                    }
                });
                publish(table, "after", "1", 1);
                await("the upgraded subscription is still served").atMost(Duration.ofSeconds(30))
                        .until(() -> changes(subscription).size() == 1);
            }
        }
    }

    private static boolean closedByServer(Socket socket) {
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
