package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.schema.ChangeEvent;

/**
 * Keys, values and table names full of SQL metacharacters, Unicode, NUL and length: each one either
 * arrives exactly as it was written, through every way out (GET, listing, the subscription's snapshot
 * and changes, the Kafka log), or is refused with a 4xx and written nowhere.
 */
@ExtendWith(E2eCluster.class)
class HostileDataIT {

    private static final List<String> KEYS = List.of("'; DROP TABLE kv; --", "\" OR \"1\"=\"1", "\\", "%", "_", "a%b_c",
            "100%_sure", "😀", "\u202Eevil", "ñandú", "<script>alert(1)</script>", "a/b", "..", "?x=1&y=2", "#frag",
            "line\nbreak", "tab\there", "{\"json\":true}", "NULL", "x".repeat(512), "é".repeat(256), "日本語のキー",
            "\u0001\u001f", "CON", " leading and trailing ");
    private static final List<String> VALUES = List.of("\"'; DROP TABLE kv; --\"", "\"nul \\u0000 inside\"",
            "{\"\\u0000\":\"\\\\\",\"' OR 1=1\":[\"😀\",\"\\u202E\"]}", "123456789012345678901234567890.000000000000000000001",
            "[null,true,false,-0,1e-400,\"\\ud83d\\ude00\"]", "\"" + "x".repeat(60_000) + "\"");

    @Test
    void everyHostileKeyAndValueRoundTripsExactlyEverywhere() throws Exception {
        String table = E2eCluster.tableOnShard(0);
        Api api = E2eCluster.api();
        Map<String, String> written = new LinkedHashMap<>();
        try (Watcher watcher = Watcher.subscribe(table)) {
            for (int i = 0; i < KEYS.size(); i++) {
                String value = VALUES.get(i % VALUES.size());
                Api.Answer put = api.put(table, KEYS.get(i), value);
                assertEquals(200, put.status(), KEYS.get(i) + ": " + put.body());
                assertEquals(KEYS.get(i), put.body().get("key").asText());
                written.put(KEYS.get(i), Api.canonical(value));
            }
            for (Map.Entry<String, String> entry : written.entrySet()) {
                Api.Answer read = api.get(table, entry.getKey());
                assertEquals(entry.getKey(), read.body().get("key").asText());
                assertEquals(entry.getValue(), Api.canonical(read.body().get("value").toString()), entry.getKey());
            }
            TreeMap<String, String> listed = new TreeMap<>();
            for (JsonNode entry : api.call("GET", "/v1/tables/" + table + "/keys?limit=1000", null).body().get("keys")) {
                listed.put(entry.get("key").asText(), Api.canonical(entry.get("value").toString()));
            }
            assertEquals(new TreeMap<>(written), listed, "the listing");
            assertEquals(List.of("%"), keysWithPrefix(api, table, "%"), "a prefix is bytes, not a LIKE pattern");
            assertEquals(List.of("_"), keysWithPrefix(api, table, "_"));
            assertEquals(List.of("a%b_c"), keysWithPrefix(api, table, "a%"));

            await("every change streamed").atMost(Duration.ofSeconds(30)).until(() -> watcher.changes().size() == KEYS.size());
            Map<String, String> streamed = new LinkedHashMap<>();
            watcher.changes().forEach(c -> streamed.put(c.get("key").asText(), Api.canonical(c.get("value").toString())));
            assertEquals(written, streamed, "the change frames");
        }
        try (Watcher later = Watcher.subscribe(table)) {
            assertEquals(new TreeMap<>(written), later.snapshot(), "a snapshot from the node's copy");
        }
        Map<String, String> logged = new LinkedHashMap<>();
        for (ChangeEvent event : KafkaLog.changesOf(E2eCluster.cluster().kafkaBootstrap(), table)) {
            logged.put(event.key(), Api.canonical(event.value()));
        }
        assertEquals(written, logged, "the Kafka log");
        assertEquals(new TreeMap<>(written), E2eCluster.liveRows(table).entrySet().stream().collect(TreeMap::new,
                (m, e) -> m.put(e.getKey(), e.getValue().substring(e.getValue().indexOf(' ') + 1)), TreeMap::putAll), "MySQL");
    }

    @Test
    void whatCannotBeStoredExactlyIsRefusedAndWrittenNowhere() throws Exception {
        String table = E2eCluster.tableOnShard(1);
        Api api = E2eCluster.api();
        Map<String, Api.Answer> refused = new LinkedHashMap<>();
        refused.put("a table with a quote", api.put("x'; DROP TABLE kv; --", "k", "1"));
        refused.put("a table with a space", api.put("my table", "k", "1"));
        refused.put("a Unicode table", api.put("tablé", "k", "1"));
        refused.put("a table of 129 characters", api.put("t".repeat(129), "k", "1"));
        refused.put("a key of 513 bytes", api.put(table, "x".repeat(513), "1"));
        refused.put("a key with a NUL", api.call("POST", "/v1/tables/" + table + "/batch",
                "{\"ops\":[{\"op\":\"put\",\"key\":\"a\\u0000b\",\"value\":1}]}"));
        refused.put("a NUL in the path", api.call("PUT", "/v1/tables/" + table + "/keys/a%00b", "1"));
        refused.put("a lone surrogate", api.call("POST", "/v1/tables/" + table + "/batch",
                "{\"ops\":[{\"op\":\"put\",\"key\":\"\\ud800\",\"value\":1}]}"));
        refused.put("a value that is not JSON", api.put(table, "k", "'; DROP TABLE kv; --"));
        refused.put("a value over 64 KiB", api.put(table, "k", "\"" + "x".repeat(70_000) + "\""));
        List<String> wrong = new ArrayList<>();
        refused.forEach((what, answer) -> {
            if (answer.status() < 400 || answer.status() >= 500 || !answer.body().has("message")) {
                wrong.add(what + ": " + answer.status() + " " + answer.body());
            }
        });
        assertEquals(List.of(), wrong);
        assertEquals(Map.of(), E2eCluster.liveRows(table), "nothing was written");
    }

    private static List<String> keysWithPrefix(Api api, String table, String prefix) {
        List<String> keys = new ArrayList<>();
        String encoded = java.net.URLEncoder.encode(prefix, java.nio.charset.StandardCharsets.UTF_8);
        api.call("GET", "/v1/tables/" + table + "/keys?prefix=" + encoded, null).body().get("keys")
                .forEach(e -> keys.add(e.get("key").asText()));
        return keys;
    }
}
