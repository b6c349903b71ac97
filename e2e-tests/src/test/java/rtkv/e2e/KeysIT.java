package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.client.Status;
import rtkv.client.Subscription;
import rtkv.infra.TableSubscription;

/** API keys across the whole cluster: made and revoked at api-service, honoured by the fanout node. */
@ExtendWith(E2eCluster.class)
class KeysIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static JsonNode createKey(String name, String... scopes) {
        Api.Answer created = E2eCluster.api().call("POST", "/v1/admin/keys",
                "{\"name\":\"" + name + "\",\"scopes\":[\"" + String.join("\",\"", scopes) + "\"]}");
        assertEquals(201, created.status(), created.body().toString());
        return created.body();
    }

    @Test
    void aKeyScopedToATableWritesReadsAndSubscribesThereAndNowhereElse() {
        String table = E2eCluster.tableOnShard(0);
        String other = E2eCluster.tableOnShard(1);
        String key = createKey("app", "read:" + table, "write:" + table, "subscribe:" + table).get("key").asText();
        Api api = E2eCluster.api().as(key);
        List<String> errors = new ArrayList<>();
        try (Subscription mine = Subscription.to(E2eCluster.cluster().fanoutUrl(), table).apiKey(key).httpClient(HTTP).open();
             Subscription theirs = Subscription.to(E2eCluster.cluster().fanoutUrl(), other).apiKey(key).httpClient(HTTP)
                     .listener(new rtkv.client.Listener() {
                         @Override
                         public void onError(String error, String message) {
                             errors.add(error);
                         }
                     }).open()) {
            await("live on its table").atMost(Duration.ofSeconds(30)).until(() -> mine.status() == Status.LIVE);
            assertEquals(200, api.put(table, "k", "{\"by\":\"the app\"}").status());
            await("its write streamed to it").atMost(Duration.ofSeconds(30)).until(() -> mine.get("k").isPresent());
            assertEquals(200, api.get(table, "k").status());

            assertEquals(403, api.put(other, "k", "1").status());
            assertEquals(403, api.get(other, "k").status());
            await("refused on the other table, for good").atMost(Duration.ofSeconds(30))
                    .until(() -> theirs.status() == Status.CLOSED && errors.contains("forbidden"));
        }
    }

    @Test
    void revokingAKeyClosesItsLiveSubscriptionsWithinSecondsAndRefusesItsRequests() throws Exception {
        String table = E2eCluster.tableOnShard(1);
        JsonNode created = createKey("to be revoked", "read:" + table, "subscribe:" + table);
        String key = created.get("key").asText();
        String stays = createKey("stays", "subscribe:" + table).get("key").asText();
        try (TableSubscription doomed = TableSubscription.open(HTTP, E2eCluster.cluster().fanoutUrl(), table, key, null,
                TableSubscription.HEARTBEAT, frame -> { });
             TableSubscription bystander = TableSubscription.open(HTTP, E2eCluster.cluster().fanoutUrl(), table, stays, null,
                     TableSubscription.HEARTBEAT, frame -> { })) {
            await("both subscribed").atMost(Duration.ofSeconds(30))
                    .until(() -> !doomed.frames().isEmpty() && !bystander.frames().isEmpty());
            assertTrue(doomed.frames().get(0).startsWith("{\"type\":\"snapshot\""), doomed.frames().toString());

            assertEquals(200, E2eCluster.api().call("DELETE", "/v1/admin/keys/" + created.get("id").asText(), null).status());

            String closed = doomed.closed().get(10, TimeUnit.SECONDS);
            assertTrue(closed.startsWith("4401 "), closed);
            assertEquals(401, E2eCluster.api().as(key).get(table, "k").status());
            E2eCluster.api().put(table, "after", "1");
            await("the other key's subscriber goes on").atMost(Duration.ofSeconds(30))
                    .until(() -> bystander.frames().stream().anyMatch(f -> f.contains("\"after\"")));
            assertTrue(!bystander.closed().isDone());
        }
    }
}
