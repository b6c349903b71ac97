package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import rtkv.client.Status;
import rtkv.client.Subscription;

/** Subscribers of one table whose events a {@link History} records, for a fault test; live once opened. */
final class RecordedSubscribers implements AutoCloseable {

    private final History history;
    private final String table;
    private final List<Subscription> subscriptions = new ArrayList<>();

    private RecordedSubscribers(History history, String table) {
        this.history = history;
        this.table = table;
    }

    static RecordedSubscribers open(History history, String table, int count) {
        RecordedSubscribers opened = new RecordedSubscribers(history, table);
        for (int i = 0; i < count; i++) {
            opened.subscriptions.add(E2eCluster.subscribeRecorded(history, "subscriber " + i, table));
        }
        await("subscribed to " + table).atMost(Duration.ofMinutes(1))
                .until(() -> opened.subscriptions.stream().allMatch(s -> s.status() == Status.LIVE));
        return opened;
    }

    /** Waits until every subscriber holds what MySQL holds, then requires the history to pass the checker. */
    void assertConvergedAndChecked() throws SQLException {
        TreeMap<String, String> rows = E2eCluster.liveRows(table);
        for (Subscription subscription : subscriptions) {
            // Asserted, so that a view that never gets there is shown beside MySQL's rows.
            await("the view of " + table + " equals MySQL").atMost(Duration.ofMinutes(2))
                    .untilAsserted(() -> assertEquals(rows, E2eCluster.viewOf(subscription)));
        }
        HistoryChecker.assertPasses(history.writes(), history.subscribers(), Map.of(table, E2eCluster.liveEntries(table)));
    }

    @Override
    public void close() {
        subscriptions.forEach(Subscription::close);
    }
}
