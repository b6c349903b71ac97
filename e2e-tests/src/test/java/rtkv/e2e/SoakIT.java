package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.client.Subscription;
import rtkv.infra.LocalCluster;

/**
 * The random-fault soak ({@code ./rtkv test --soak MINUTES}; three minutes inside {@code ./rtkv test}).
 * Random writers ({@link SoakWriters}) and subscribers, a third of them conflated, on six tables of both
 * shards. Subscribers churn: they reconnect and resume with their token, are replaced by fresh ones,
 * or are forked: a new subscriber resumes from a token an older one held some time ago, on either node.
 * Meanwhile {@link SoakFaults} breaks the cluster, one fault after the other. At the end every
 * subscriber must converge on MySQL, and the {@link HistoryChecker} runs over every history it recorded:
 * its frames as sent, its versions, its values, and the acknowledged writes.
 *
 * <p>{@code -Drtkv.soak.seed=S} replays a run's schedule: the same faults in the same order, and the same
 * operations and churn, though not their exact interleaving with the cluster's own timing.
 */
@ExtendWith(E2eCluster.class)
class SoakIT {

    private static final int TABLES = 6;
    private static final int SUBSCRIBERS = 12;
    private static final int WRITERS = 4;

    private record Live(Subscription subscription, History.Recorder recorder, String table, boolean conflated) {
    }

    @Test
    void randomFaultsUnderRandomLoadLeaveEveryViewExact() throws Exception {
        int minutes = Integer.getInteger("rtkv.soak.minutes", 3);
        long seed = Long.getLong("rtkv.soak.seed", System.nanoTime());
        System.out.printf("SoakIT: seed %d (-Drtkv.soak.seed=%d replays its schedule), %d minutes%n", seed, seed, minutes);
        LocalCluster cluster = E2eCluster.cluster();
        Random random = new Random(seed);
        History history = new History();
        List<String> tables = new ArrayList<>();
        for (int i = 0; i < TABLES; i++) {
            tables.add(E2eCluster.tableOnShard(i % 2));
        }
        HttpClient http = HttpClient.newHttpClient();
        List<Live> live = new ArrayList<>();
        int[] named = {0};
        AtomicLong churns = new AtomicLong();
        AtomicReference<Throwable> broken = new AtomicReference<>();
        long started = System.nanoTime();
        long end = started + Duration.ofMinutes(minutes).toNanos();
        ScheduledExecutorService schedule = Executors.newScheduledThreadPool(2);
        try (SoakFaults faults = new SoakFaults(cluster, seed)) {
            for (int i = 0; i < SUBSCRIBERS; i++) {
                live.add(open(history, http, faults, random, tables.get(i % TABLES), i % 3 == 0, null, named));
            }
            try (SoakWriters writers = SoakWriters.start(history, tables, WRITERS, seed)) {
                // Churn every second or so, on its own thread; faults one after the other on another.
                Random churnRandom = new Random(seed + 1);
                schedule.scheduleWithFixedDelay(() -> guarded(broken, () -> {
                    churn(history, http, faults, churnRandom, live, named);
                    churns.incrementAndGet();
                }), 1, 1, TimeUnit.SECONDS);
                long faultEvery = Duration.ofMinutes(minutes).toNanos() / Math.max(3, minutes * 3L);
                schedule.scheduleWithFixedDelay(() -> guarded(broken, () -> {
                    if (System.nanoTime() < end - faultEvery / 2) {
                        faults.injectOne();
                    }
                }), faultEvery / 2, faultEvery, TimeUnit.NANOSECONDS);
                await("the soak's " + minutes + " minutes").atMost(Duration.ofMinutes(minutes + 5L))
                        .pollInterval(Duration.ofSeconds(1)).until(() -> System.nanoTime() >= end || broken.get() != null);
                schedule.shutdown();
                assertTrue(schedule.awaitTermination(5, TimeUnit.MINUTES), "the last fault recovered");
                if (broken.get() != null) {
                    throw new AssertionError("the soak itself failed, seed " + seed, broken.get());
                }
                writers.stop();
                // Keys left with a time to live would go on changing after the writers stopped.
                await("every time to live run out and swept").atMost(Duration.ofMinutes(1))
                        .until(() -> {
                            long left = 0;
                            for (String table : tables) {
                                left += withTimeToLive(table);
                            }
                            return left == 0;
                        });
                Map<String, Map<String, History.Versioned>> mysql = converged(history, tables);
                List<History.Subscriber> seen = history.subscribers();
                List<String> findings = HistoryChecker.check(history.writes(), seen, mysql);
                long events = seen.stream().mapToLong(s -> s.events().size()).sum();
                long frames = seen.stream().mapToLong(History.Subscriber::rawFrames).sum();
                long resyncs = seen.stream().flatMap(s -> s.events().stream()).filter(e -> e instanceof History.Resync).count();
                System.out.printf("SoakIT: seed %d, %d s, faults %s; %d writes acknowledged, %d failed or unanswered;"
                        + " %d subscribers, %d churns, %d events and %d raw frames checked, %d resyncs; %d violations%n",
                        seed, (System.nanoTime() - started) / 1_000_000_000, faults.injected(), writers.acknowledged(),
                        writers.failed(), seen.size(), churns.get(), events, frames, resyncs, findings.size());
                assertEquals(List.of(), findings, "seed " + seed);
                assertTrue(writers.acknowledged() > 100, "the writers got through: " + writers.acknowledged());
                assertTrue(faults.injected().size() >= 2, "faults injected: " + faults.injected());
            }
        } finally {
            schedule.shutdownNow();
            live.forEach(l -> l.subscription().close());
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Runs a scheduled step; the first failure is kept for the test to report, and later steps do nothing. */
    private static void guarded(AtomicReference<Throwable> broken, Step step) {
        if (broken.get() != null) {
            return;
        }
        try {
            step.run();
        } catch (Throwable e) {
            broken.compareAndSet(null, e);
        }
    }

    /** One churn: a subscriber reconnects and resumes, is replaced by a fresh one, or is forked from an old token. */
    private static void churn(History history, HttpClient http, SoakFaults faults, Random random, List<Live> live, int[] named) {
        int index = random.nextInt(live.size());
        Live chosen = live.get(index);
        switch (random.nextInt(3)) {
            case 0 -> chosen.subscription().reconnect();
            case 1 -> {
                chosen.subscription().close();
                chosen.recorder().closed();
                live.set(index, open(history, http, faults, random, chosen.table(), chosen.conflated(), null, named));
            }
            default -> chosen.recorder().fork(random).ifPresent(fork -> {
                chosen.subscription().close();
                chosen.recorder().closed();
                live.set(index, open(history, http, faults, random, chosen.table(), chosen.conflated(), fork, named));
            });
        }
    }

    private static Live open(History history, HttpClient http, SoakFaults faults, Random random, String table,
                             boolean conflated, History.Fork fork, int[] named) {
        String name = "soak-" + named[0]++ + (conflated ? " (conflated)" : "") + (fork != null ? " (forked)" : "");
        History.Recorder recorder = fork == null ? history.subscriber(name, table, conflated)
                : history.forked(name, table, conflated, fork);
        String node = faults.fanoutUrls().get(random.nextInt(faults.fanoutUrls().size()));
        Subscription.Builder builder = Subscription.to(node, table).apiKey(E2eCluster.adminKey()).httpClient(http)
                .listener(recorder);
        if (conflated) {
            builder.conflate(Duration.ofMillis(100));
        }
        if (fork != null) {
            builder.resumeFrom(fork.token());
        }
        Subscription subscription = builder.open();
        recorder.staleDroppedFrom(subscription::staleDropped);
        return new Live(subscription, recorder, table, conflated);
    }

    /** Rows of the table that are live with a time to live, or expired and not swept yet. */
    private static long withTimeToLive(String table) throws java.sql.SQLException {
        try (java.sql.Connection c = E2eCluster.shardOf(table);
             java.sql.PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM kv WHERE table_id = ? AND expires_at > 0")) {
            s.setString(1, table);
            try (java.sql.ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Waits until every subscriber's history ends where MySQL is (expired keys swept), then answers MySQL's
     * live rows. A subscriber closed by the churn is checked as far as it got.
     */
    private static Map<String, Map<String, History.Versioned>> converged(History history, List<String> tables) {
        Map<String, Map<String, History.Versioned>> mysql = new HashMap<>();
        await("every open subscriber ends where MySQL is").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    for (String table : tables) {
                        mysql.put(table, E2eCluster.liveEntries(table));
                    }
                    List<String> differing = HistoryChecker.check(history.writes(), history.subscribers(), mysql).stream()
                            .filter(f -> f.contains("final view differs")).toList();
                    assertEquals(List.of(), differing);
                });
        return mysql;
    }
}
