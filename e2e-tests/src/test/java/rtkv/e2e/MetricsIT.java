package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.LocalCluster;
import rtkv.infra.TableSubscription;

/**
 * Issue 9: every service's {@code /metrics}, scraped after a workload that exercises each metric the
 * issue names, has those metrics, with values that are not zero: requests by route and status, the
 * commit-to-Kafka lag per shard, the fanout's consumer lag, delivery latency, connections and
 * subscribers per table, queue drops and resyncs.
 */
@ExtendWith(E2eCluster.class)
class MetricsIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String BIG = "\"" + "x".repeat(60_000) + "\"";

    @Test
    void everyServiceCountsTheWorkload() throws Exception {
        LocalCluster cluster = E2eCluster.cluster();
        Api api = E2eCluster.api();
        String first = E2eCluster.tableOnShard(0);
        String second = E2eCluster.tableOnShard(1);
        for (int i = 0; i < 20; i++) {
            assertEquals(200, api.put(first, "k" + i, Integer.toString(i)).status());
            assertEquals(200, api.put(second, "k" + i, Integer.toString(i)).status());
        }
        assertEquals(404, api.get(first, "never-written").status());
        assertEquals(401, api.as("not-a-key-of-this-cluster-at-all-xxxxxxxx").get(first, "k0").status());

        TableSubscription watcher = subscribe(first, null);
        try {
            assertEquals(200, api.put(first, "last", "true").status());
            await("the watcher has the change").atMost(Duration.ofSeconds(30)).until(() -> !ofType(watcher, "change").isEmpty());
            String token = ofType(watcher, "change").get(0).get("token").asText();
            try (TableSubscription foreign = subscribe(second, token)) {
                assertEquals("resync", frames(foreign).get(0).get("type").asText(), "a token of another table");
            }
            cutOffASlowReader(api, first);
            pauseTheFanoutNodeWhileWriting(cluster, api, second);

            Scrape fanout = scrape(cluster.fanoutUrl());
            assertTrue(fanout.value("rtkv_fanout_connections") >= 1, fanout::text);
            assertTrue(fanout.value("rtkv_fanout_subscribers", "table", first) >= 1, fanout::text);
            assertTrue(fanout.value("rtkv_fanout_delivery_seconds_count") > 0, fanout::text);
            assertTrue(fanout.value("rtkv_fanout_delivery_seconds_sum") > 0, fanout::text);
            assertTrue(fanout.value("rtkv_fanout_poll_lag_records_max") > 0, fanout::text);
            assertTrue(fanout.has("rtkv_fanout_consumer_lag_records"), fanout::text);
            assertTrue(fanout.value("rtkv_fanout_queue_drops_total") > 0, fanout::text);
            assertTrue(fanout.value("rtkv_fanout_resyncs_total", "reason", "too_slow") > 0, fanout::text);
            assertTrue(fanout.value("rtkv_fanout_resyncs_total", "reason", "foreign_token") > 0, fanout::text);
            assertTrue(fanout.value("jvm_memory_used_bytes") > 0, fanout::text);
        } finally {
            watcher.close();
        }

        Scrape apiMetrics = scrape(cluster.apiUrl());
        String key = "/v1/tables/{table}/keys/{key}";
        assertTrue(apiMetrics.value("rtkv_http_server_requests_seconds_count", "route", key, "method", "PUT", "status", "200")
                >= 40, apiMetrics::text);
        assertTrue(apiMetrics.value("rtkv_http_server_requests_seconds_count", "route", key, "method", "GET", "status", "404")
                >= 1, apiMetrics::text);
        assertTrue(apiMetrics.value("rtkv_http_server_requests_seconds_count", "route", key, "method", "GET", "status", "401")
                >= 1, "refused by authentication, still under its route: " + apiMetrics.text());
        assertTrue(apiMetrics.value("rtkv_http_server_requests_seconds_sum", "route", key) > 0, apiMetrics::text);
        assertTrue(apiMetrics.value("hikaricp_connections") > 0, apiMetrics::text);

        for (int shard = 0; shard < E2eCluster.SHARDS.shardCount(); shard++) {
            Scrape relay = scrape("http://127.0.0.1:" + cluster.ports(E2eCluster.activeRelay(shard)).get(0));
            String tag = Integer.toString(shard);
            assertEquals(1, relay.value("rtkv_relay_lease_held", "shard", tag), relay::text);
            assertEquals(1, relay.value("rtkv_relay_streaming", "shard", tag), relay::text);
            assertTrue(relay.value("rtkv_relay_changes_published_total", "shard", tag) > 0, relay::text);
            assertTrue(relay.value("rtkv_relay_commit_to_kafka_seconds_count", "shard", tag) > 0, relay::text);
            assertTrue(relay.value("rtkv_relay_commit_to_kafka_seconds_sum", "shard", tag) > 0, relay::text);
        }
    }

    /** A subscriber that stops reading while far more than its pending bound is written is cut off and told to resync. */
    private static void cutOffASlowReader(Api api, String table) throws Exception {
        try (TableSubscription stalled = subscribe(table, null)) {
            stalled.stopReading();
            // 24 MB: the socket buffers between the node and a reader that stopped hold part of it (12 MB
            // once left the node nothing to cut off); the bound is 1 MiB.
            for (int i = 0; i < 400; i++) {
                assertEquals(200, api.put(table, "big" + (i % 20), BIG).status());
            }
            stalled.resumeReading();
            assertEquals("1013 too slow", stalled.closed().get(60, TimeUnit.SECONDS));
        }
    }

    /**
     * The fanout node stopped (SIGSTOP) while 3 MB of changes are committed: when it goes on, the change
     * topic holds more than one fetch of them, so a poll leaves some of the partition unread.
     */
    private static void pauseTheFanoutNodeWhileWriting(LocalCluster cluster, Api api, String table) throws Exception {
        long pid = cluster.process("fanout").orElseThrow().pid();
        signal("STOP", pid);
        try {
            for (int i = 0; i < 50; i++) {
                assertEquals(200, api.put(table, "paused" + i, BIG).status());
            }
        } finally {
            signal("CONT", pid);
        }
        await("the fanout node reads the backlog").atMost(Duration.ofSeconds(30))
                .until(() -> scrape(cluster.fanoutUrl()).value("rtkv_fanout_poll_lag_records_max") > 0);
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
    }

    private static TableSubscription subscribe(String table, String resume) {
        TableSubscription subscription = TableSubscription.open(HTTP, E2eCluster.cluster().fanoutUrl(), table,
                E2eCluster.adminKey(), resume, TableSubscription.HEARTBEAT, frame -> { });
        await("subscribed to " + table).atMost(Duration.ofSeconds(30)).until(() -> frames(subscription).stream()
                .anyMatch(f -> f.get("type").asText().equals("resumed") || f.get("type").asText().equals("resync")
                        || f.get("type").asText().equals("snapshot") && f.get("last").asBoolean()));
        return subscription;
    }

    private static List<JsonNode> frames(TableSubscription subscription) {
        return ReceivedFrames.of(subscription);
    }

    private static List<JsonNode> ofType(TableSubscription subscription, String type) {
        return ReceivedFrames.ofType(subscription, type);
    }

    private static Scrape scrape(String baseUrl) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl.replaceFirst("^ws", "http")
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        return new Scrape(response.body());
    }

    /** One scrape in Prometheus' text format. */
    record Scrape(String text) {

        boolean has(String name) {
            return text.lines().anyMatch(line -> line.startsWith(name + "{") || line.startsWith(name + " "));
        }

        /** The sum of the series of {@code name} whose labels include every (label, value) pair given. */
        double value(String name, String... labels) {
            double sum = 0;
            for (String line : text.lines().toList()) {
                if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                    continue;
                }
                Map<String, String> found = PrometheusText.labels(line);
                boolean matches = true;
                for (int i = 0; i < labels.length; i += 2) {
                    matches &= labels[i + 1].equals(found.get(labels[i]));
                }
                if (matches) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return sum;
        }
    }
}
