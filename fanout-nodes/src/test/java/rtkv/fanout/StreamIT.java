package rtkv.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.fanout.FanoutFixture.ADMIN_KEY;
import static rtkv.fanout.FanoutFixture.HTTP;
import static rtkv.fanout.FanoutFixture.insert;
import static rtkv.fanout.FanoutFixture.parsed;
import static rtkv.fanout.FanoutFixture.publish;
import static rtkv.fanout.FanoutFixture.server;
import static rtkv.fanout.FanoutFixture.startServer;
import static rtkv.fanout.FanoutFixture.table;
import static rtkv.fanout.FanoutFixture.tableOn;
import static rtkv.fanout.FanoutFixture.url;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.TableSubscription;

/** Many subscriptions on one connection at {@code /v1/stream}, on {@link FanoutFixture}. */
@ExtendWith(FanoutFixture.class)
class StreamIT {

    private static TableSubscription stream(String nodeUrl, String key) {
        return TableSubscription.open(HTTP, URI.create(nodeUrl + "/v1/stream"), key, TableSubscription.HEARTBEAT, frame -> { });
    }

    private static final Map<String, Schema> SCHEMAS = new java.util.HashMap<>();

    /** Every frame {@code stream} was sent, held against its type's published schema (module schema). */
    private static void assertFramesMatchTheirSchemas(TableSubscription stream) throws Exception {
        for (JsonNode frame : parsed(stream)) {
            String type = frame.path("type").asText();
            Schema schema = SCHEMAS.get(type);
            if (schema == null) {
                try (java.io.InputStream in = StreamIT.class.getResourceAsStream("/rtkv/schema/frames/" + type + ".schema.json")) {
                    assertTrue(in != null, "a frame of no published type: " + frame);
                    schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
                    SCHEMAS.put(type, schema);
                }
            }
            assertEquals(java.util.List.of(), schema.validate(frame), frame.toString());
        }
    }

    private static List<JsonNode> of(TableSubscription stream, String id) {
        return parsed(stream).stream().filter(f -> id.equals(f.path("id").asText(null))).toList();
    }

    private static List<JsonNode> of(TableSubscription stream, String id, String type) {
        return of(stream, id).stream().filter(f -> f.get("type").asText().equals(type)).toList();
    }

    private static JsonNode awaitFrame(TableSubscription stream, String id, String type) {
        await(type + " for " + id).atMost(Duration.ofSeconds(30)).until(() -> !of(stream, id, type).isEmpty());
        return of(stream, id, type).get(0);
    }

    private static JsonNode awaitLive(TableSubscription stream, String id) {
        await("the snapshot of " + id).atMost(Duration.ofSeconds(30)).until(() -> of(stream, id, "snapshot").stream()
                .anyMatch(f -> f.get("last").asBoolean()));
        List<JsonNode> snapshots = of(stream, id, "snapshot");
        return snapshots.get(snapshots.size() - 1);
    }

    @Test
    void oneConnectionCarriesSubscriptionsToSeveralTablesAndEveryFrameNamesItsOwn() throws Exception {
        String users = table();
        String rooms = table();
        insert(users, "user/ann", "1", 1);
        insert(users, "admin/bob", "2", 1);
        insert(rooms, "lobby", "{\"n\":0}", 1);
        try (TableSubscription stream = stream(url(), ADMIN_KEY)) {
            stream.send("{\"type\":\"subscribe\",\"id\":\"u\",\"table\":\"" + users + "\",\"prefix\":\"user/\"}");
            stream.send("{\"type\":\"subscribe\",\"id\":\"r\",\"table\":\"" + rooms + "\"}");
            stream.send("{\"type\":\"subscribe\",\"id\":\"all-users\",\"table\":\"" + users + "\",\"conflate\":100}");
            JsonNode u = awaitLive(stream, "u");
            assertEquals(1, u.get("entries").size(), u.toString());
            assertEquals("user/ann", u.get("entries").get(0).get("key").asText());
            assertEquals(2, awaitLive(stream, "all-users").get("entries").size());
            String roomsToken = awaitLive(stream, "r").get("token").asText();
            awaitFrame(stream, "r", "presence");

            publish(users, "user/ann", "3", 2);
            publish(users, "admin/bob", "4", 2);
            publish(rooms, "lobby", "{\"n\":1}", 2);
            await("each change to its subscriptions").atMost(Duration.ofSeconds(30)).until(() ->
                    of(stream, "u", "change").size() == 1 && of(stream, "r", "change").size() == 1
                            && of(stream, "all-users", "change").size() == 2);
            assertEquals("user/ann", of(stream, "u", "change").get(0).get("key").asText());
            assertEquals(2, of(stream, "r", "change").get(0).get("version").asLong());

            // A second subscription to the same table resumes from the first's token: only what came after.
            stream.send("{\"type\":\"subscribe\",\"id\":\"r2\",\"table\":\"" + rooms + "\",\"resume\":\"" + roomsToken + "\"}");
            awaitFrame(stream, "r2", "resumed");
            await("the change missed since the token").atMost(Duration.ofSeconds(30))
                    .until(() -> of(stream, "r2", "change").size() == 1);

            stream.send("{\"type\":\"unsubscribe\",\"id\":\"r\"}");
            awaitFrame(stream, "r", "unsubscribed");
            publish(rooms, "lobby", "{\"n\":2}", 3);
            await("the other subscription of the table goes on").atMost(Duration.ofSeconds(30))
                    .until(() -> of(stream, "r2", "change").size() == 2);
            assertEquals(1, of(stream, "r", "change").size(), "nothing after unsubscribed");
            assertEquals(1, server.subscriberCount(rooms), "an unsubscribed subscription lets go of its table");

            // An id unsubscribed is free at once, and gets only what its new subscription is sent.
            stream.send("{\"type\":\"unsubscribe\",\"id\":\"r2\"}");
            stream.send("{\"type\":\"subscribe\",\"id\":\"r2\",\"table\":\"" + users + "\",\"only\":\"admin/bob\"}");
            await("r2 again, on another table").atMost(Duration.ofSeconds(30))
                    .until(() -> of(stream, "r2", "snapshot").size() == 1);
            publish(rooms, "lobby", "{\"n\":3}", 4);
            publish(users, "admin/bob", "5", 3);
            await("the change of its new table").atMost(Duration.ofSeconds(30))
                    .until(() -> of(stream, "r2", "change").size() == 3);
            assertEquals("admin/bob", of(stream, "r2", "change").get(2).get("key").asText());
            assertEquals(0, server.subscriberCount(rooms), "the unsubscribed r2 let go of its table");
            publish(rooms, "lobby", "{\"n\":4}", 5);
            publish(users, "admin/bob", "6", 4);
            await("the next change of its new table").atMost(Duration.ofSeconds(30))
                    .until(() -> of(stream, "r2", "change").size() >= 4);
            assertTrue(of(stream, "r2", "change").subList(2, of(stream, "r2", "change").size()).stream()
                    .allMatch(f -> f.get("key").asText().equals("admin/bob")), "no frame of the old r2 after it ended");
            assertTrue(parsed(stream).stream().filter(f -> f.get("type").asText().matches("snapshot|change|resumed"))
                    .allMatch(f -> f.hasNonNull("id")), "every frame of a subscription names it");
            assertFramesMatchTheirSchemas(stream);
        }
        await("a closed connection lets go of every table").atMost(Duration.ofSeconds(30))
                .until(() -> server.subscriberCount(users) + server.subscriberCount(rooms) == 0);
    }

    @Test
    void badMessagesGetAnErrorFrameAndTheConnectionAndItsSubscriptionsGoOn() throws Exception {
        String table = table();
        String limited = "ws://127.0.0.1:";
        try (FanoutServer node = startServer(Map.of("RTKV_FANOUT_MAX_SUBSCRIPTIONS_PER_CONNECTION", "3"));
             TableSubscription stream = stream(limited + node.port(), ADMIN_KEY)) {
            stream.send("{\"type\":\"subscribe\",\"id\":\"good\",\"table\":\"" + table + "\"}");
            awaitLive(stream, "good");
            Map<String, String> refusedWithId = Map.of(
                    "{\"type\":\"subscribe\",\"id\":\"good\",\"table\":\"" + table + "\"}", "duplicate_id",
                    "{\"type\":\"subscribe\",\"id\":\"p\",\"table\":\"" + table + "\",\"prefix\":\"\"}", "invalid_request",
                    "{\"type\":\"subscribe\",\"id\":\"n\",\"table\":\"no such table\"}", "invalid_table",
                    "{\"type\":\"subscribe\",\"id\":\"f\",\"table\":\"" + table + "\",\"filter\":1}", "invalid_request",
                    "{\"type\":\"subscribe\",\"id\":\"c\",\"table\":\"" + table + "\",\"conflate\":7}", "invalid_request",
                    "{\"type\":\"unsubscribe\",\"id\":\"nobody\"}", "unknown_id");
            for (Map.Entry<String, String> bad : refusedWithId.entrySet()) {
                String id = bad.getKey().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
                int before = of(stream, id, "error").size();
                stream.send(bad.getKey());
                await("an error for " + bad.getKey()).atMost(Duration.ofSeconds(30))
                        .until(() -> of(stream, id, "error").size() > before);
                assertEquals(bad.getValue(), of(stream, id, "error").get(before).get("error").asText(), bad.getKey());
            }
            List<String> refusedWithoutId = List.of("not json", "{\"type\":\"publish\"}", "{\"type\":\"subscribe\",\"id\":\"a b\"}",
                    "{\"type\":\"subscribe\",\"id\":\"" + "x".repeat(5_000) + "\"}");
            for (String bad : refusedWithoutId) {
                long before = parsed(stream).stream().filter(f -> !f.has("id") && f.get("type").asText().equals("error")).count();
                stream.send(bad);
                await("an error for " + bad.substring(0, Math.min(bad.length(), 40))).atMost(Duration.ofSeconds(30))
                        .until(() -> parsed(stream).stream().filter(f -> !f.has("id") && f.get("type").asText().equals("error"))
                                .count() > before);
            }
            List<String> codes = parsed(stream).stream().filter(f -> !f.has("id") && f.get("type").asText().equals("error"))
                    .map(f -> f.get("error").asText()).toList();
            assertEquals(List.of("invalid_frame", "invalid_frame", "invalid_request", "message_too_large"), codes);

            stream.send("{\"type\":\"subscribe\",\"id\":\"second\",\"table\":\"" + table() + "\"}");
            stream.send("{\"type\":\"subscribe\",\"id\":\"third\",\"table\":\"" + table() + "\"}");
            stream.send("{\"type\":\"subscribe\",\"id\":\"fourth\",\"table\":\"" + table() + "\"}");
            assertEquals("too_many_subscriptions", awaitFrame(stream, "fourth", "error").get("error").asText());
            awaitLive(stream, "third");

            publish(table, "k", "1", 1);
            await("the good subscription still gets its changes").atMost(Duration.ofSeconds(30))
                    .until(() -> of(stream, "good", "change").size() == 1);
            assertFalse(stream.closed().isDone(), "the connection lives");
            assertFramesMatchTheirSchemas(stream);
        }
    }

    @Test
    void aStreamWithABadKeyIsRefusedAsAWhole() throws Exception {
        try (TableSubscription stream = stream(url(), "rk.nobody." + "x".repeat(43))) {
            assertTrue(stream.closed().get(30, TimeUnit.SECONDS).startsWith("4401 "));
            assertEquals("unauthorized", parsed(stream).get(0).get("error").asText());
            assertFramesMatchTheirSchemas(stream);
        }
    }

    @Test
    void aSubscriptionToATableOfAnotherNodeIsMovedAloneAndTheOthersGoOn() throws Exception {
        Map<String, String> group = Map.of("RTKV_FANOUT_GROUP", "stream-it-" + UUID.randomUUID());
        try (FanoutServer first = startServer(group); FanoutServer second = startServer(group)) {
            await("the partitions split between the two").atMost(Duration.ofSeconds(60))
                    .until(() -> !first.partitions().isEmpty() && !second.partitions().isEmpty()
                            && first.partitions().size() + second.partitions().size() == 4);
            String here = tableOn(first);
            String there = tableOn(second);
            try (TableSubscription stream = stream("ws://127.0.0.1:" + first.port(), ADMIN_KEY)) {
                stream.send("{\"type\":\"subscribe\",\"id\":\"here\",\"table\":\"" + here + "\"}");
                awaitLive(stream, "here");
                await("the node knows who serves " + there).atMost(Duration.ofSeconds(30)).until(() -> {
                    stream.send("{\"type\":\"subscribe\",\"id\":\"there\",\"table\":\"" + there + "\"}");
                    await().atMost(Duration.ofSeconds(10)).until(() -> !of(stream, "there").isEmpty());
                    JsonNode last = of(stream, "there").get(of(stream, "there").size() - 1);
                    return last.get("type").asText().equals("moved");
                });
                JsonNode moved = of(stream, "there", "moved").get(0);
                assertEquals("ws://127.0.0.1:" + second.port(), moved.get("node").asText(), moved.toString());
                publish(here, "k", "1", 1);
                await("the subscription that stayed goes on").atMost(Duration.ofSeconds(30))
                        .until(() -> of(stream, "here", "change").size() == 1);
                assertFalse(stream.closed().isDone(), "the connection lives");
                assertFramesMatchTheirSchemas(stream);
            }
        }
    }
}
