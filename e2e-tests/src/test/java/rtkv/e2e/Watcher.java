package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import rtkv.infra.TableSubscription;

/** A subscriber of one table, with the change frames it received parsed for assertions. */
final class Watcher implements AutoCloseable {

    private final String table;
    private final TableSubscription subscription;

    private Watcher(String table, TableSubscription subscription) {
        this.table = table;
        this.subscription = subscription;
    }

    /** Subscribes with the cluster's admin key, and waits for the end of the snapshot. */
    static Watcher subscribe(String table) {
        return subscribe(E2eCluster.cluster().fanoutUrl(), table, E2eCluster.adminKey());
    }

    /** Subscribes and waits for the end of the snapshot: changes committed from then on will arrive. */
    static Watcher subscribe(String fanoutUrl, String table, String key) {
        Watcher watcher = new Watcher(table, TableSubscription.open(fanoutUrl, table, key));
        await("subscribed to " + table).atMost(Duration.ofSeconds(30)).until(() -> watcher.subscription.frames().stream()
                .map(Watcher::parse).anyMatch(f -> f.get("type").asText().equals("snapshot") && f.get("last").asBoolean()));
        JsonNode first = parse(watcher.subscription.frames().get(0));
        assertEquals("snapshot", first.get("type").asText(), first.toString());
        return watcher;
    }

    List<JsonNode> changes() {
        List<JsonNode> changes = new ArrayList<>();
        for (String frame : subscription.frames()) {
            JsonNode node = parse(frame);
            if (node.get("type").asText().equals("change")) {
                changes.add(node);
            }
        }
        return changes;
    }

    /** The snapshot it was sent, key to canonical value. */
    java.util.TreeMap<String, String> snapshot() {
        java.util.TreeMap<String, String> entries = new java.util.TreeMap<>();
        for (String frame : subscription.frames()) {
            JsonNode node = parse(frame);
            if (node.get("type").asText().equals("snapshot")) {
                node.get("entries").forEach(e -> entries.put(e.get("key").asText(), Api.canonical(e.get("value").toString())));
            }
        }
        return entries;
    }

    /** "key:op:version" of each change received, in order. */
    List<String> summary() {
        return changes().stream()
                .map(c -> c.get("key").asText() + ":" + c.get("op").asText() + ":" + c.get("version").asLong())
                .toList();
    }

    boolean received(String key) {
        return changes().stream().anyMatch(c -> c.get("key").asText().equals(key));
    }

    void awaitKey(String key) {
        await(table + " subscriber receives " + key).atMost(Duration.ofSeconds(60)).until(() -> received(key));
    }

    private static JsonNode parse(String frame) {
        try {
            return Api.JSON.readTree(frame);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        subscription.close();
    }
}
