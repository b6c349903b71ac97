package rtkv.fanout;

import java.sql.SQLException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.auth.KeyRecord;
import rtkv.schema.GapMarker;
import rtkv.schema.SubscriberCaps;

/**
 * The tables this node holds, one {@link TableState} each while someone here watches it, loaded from
 * its shard on first use. Also the node's own copies of two system tables: {@code rtkv.settings}, whose
 * key {@code TABLE} or {@code PREFIX*} may hold {@code {"maxSubscribers": N}} to raise or lower the cap of
 * that table or of those tables at run time, and {@code rtkv.keys}, the API keys subscribers present.
 */
final class Tables implements AutoCloseable {

    static final String SETTINGS = SubscriberCaps.SETTINGS_TABLE;
    /** The system tables every node holds for itself, whoever owns their partitions: the subscriber caps, the API keys. */
    static final List<String> PINNED = List.of(SETTINGS, KeyRecord.TABLE);

    private static final Logger LOG = LoggerFactory.getLogger(Tables.class);

    private final Map<String, TableState> states = new ConcurrentHashMap<>();
    private final FanoutConfig config;
    private final Snapshots snapshots;
    private final ChangeFeed feed;
    private final ChangeFeed systemFeed;
    private final Clock clock;
    private final ExecutorService loader = Executors.newFixedThreadPool(2, r -> new Thread(r, "fanout-snapshots"));
    private final ScheduledExecutorService timers =
            Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "fanout-conflation"));
    private final Map<String, TableState> pinned = new ConcurrentHashMap<>();
    /** The settings that set no cap, each logged once. */
    private final Set<String> passedOver = ConcurrentHashMap.newKeySet();

    /**
     * @param feed       this node's share of the topic, for every table but the system tables
     * @param systemFeed the system tables' partitions, read in full
     */
    Tables(FanoutConfig config, Snapshots snapshots, ChangeFeed feed, ChangeFeed systemFeed, Clock clock) {
        this.config = config;
        this.snapshots = snapshots;
        this.feed = feed;
        this.systemFeed = systemFeed;
        this.clock = clock;
    }

    static boolean isSystem(String table) {
        return PINNED.contains(table);
    }

    private ChangeFeed feedOf(String table) {
        return isSystem(table) ? systemFeed : feed;
    }

    /** The partition of the topic that holds the table's changes. */
    int partitionOf(String table) {
        return feed.partitionOf(table);
    }

    /** Whether this node serves the table's subscribers: a system table, or one of the partitions it owns. */
    boolean serves(String table) {
        return isSystem(table) || feed.owns(feed.partitionOf(table));
    }

    /**
     * The partitions left this node: the states of their tables are closed and their subscribers told to
     * move, with their resume tokens, to whichever node owns the partition now.
     */
    void revoked(Set<Integer> partitions) {
        for (TableState state : states.values()) {
            if (!isSystem(state.table()) && partitions.contains(state.partition()) && states.remove(state.table(), state)) {
                state.move("partition " + state.partition() + " of table " + state.table()
                        + " moved to another node; resume there");
            }
        }
    }

    /** Once the feed is positioned: the system tables are loaded and kept. */
    synchronized void start() {
        for (String table : PINNED) {
            pin(table);
        }
    }

    /** Ready once every system table is held; a load that failed is tried again here. */
    synchronized boolean isReady() {
        if (pinned.isEmpty()) {
            return false;
        }
        boolean ready = true;
        for (String table : PINNED) {
            TableState.Phase phase = pinned.get(table).phase();
            if (phase == TableState.Phase.FAILED || phase == TableState.Phase.CLOSED) {
                pin(table);
                ready = false;
            } else {
                ready &= phase == TableState.Phase.LIVE;
            }
        }
        return ready;
    }

    private void pin(String table) {
        TableState state = acquire(table);
        state.pin();
        pinned.put(table, state);
    }

    /** The subscribers of each table that has any on this node now. */
    Map<String, Integer> subscriberCounts() {
        Map<String, Integer> counts = new HashMap<>();
        for (TableState state : states.values()) {
            int subscribers = state.subscribers();
            if (subscribers > 0) {
                counts.put(state.table(), subscribers);
            }
        }
        return counts;
    }

    /** For the feed: the state of a table if anyone here watches it. */
    TableState get(String table) {
        return states.get(table);
    }

    /**
     * The table's state, registered with its feed and loading if it was not held yet; null when this node
     * does not (or no longer) own the table's partition.
     */
    TableState acquire(String table) {
        ChangeFeed source = feedOf(table);
        int partition = source.partitionOf(table);
        boolean[] created = new boolean[1];
        TableState state = source.whileOwned(partition, () -> {
            TableState held = states.compute(table, (t, existing) -> {
                if (existing != null && existing.phase() != TableState.Phase.CLOSED
                        && existing.phase() != TableState.Phase.FAILED) {
                    return existing;
                }
                created[0] = true;
                return new TableState(t, partition, snapshots.shardOf(t), source.topicTag(), config.snapshotChunk(), clock,
                        () -> source.processedThrough(partition), timers, config.presenceMillis(), config.maxPendingBytes());
            });
            if (created[0]) {
                held.startAt(source.processedThrough(partition));
            }
            return held;
        });
        if (created[0]) {
            loader.execute(() -> load(state));
        }
        return state;
    }

    private void load(TableState state) {
        try {
            state.goLive(snapshots.read(state.table()));
        } catch (SQLException | RuntimeException e) {
            LOG.atError().addKeyValue("table", state.table())
                    .log("cannot read table {} from shard {}: {}", state.table(), state.shard(), e.toString());
            state.fail("the table could not be read from its shard; retry shortly");
            states.remove(state.table(), state);
            return;
        }
    }

    /**
     * The relay of {@code gap.shard()} could not stream some changes (its binlog was purged): every state
     * of that shard's tables in the partition is dropped, so its subscribers reconnect, and resuming finds
     * the marker and resyncs them from MySQL. A system table is read again at once.
     */
    void gap(GapMarker gap, int partition, boolean systemFeed) {
        // Collected first: the states pinned again below must not be visited as well.
        List<TableState> hit = states.values().stream().filter(state -> state.shard() == gap.shard()
                && state.partition() == partition && isSystem(state.table()) == systemFeed).toList();
        for (TableState state : hit) {
            LOG.atWarn().addKeyValue("table", state.table())
                    .log("table {}: changes of shard {} are missing ({}); its subscribers resync", state.table(),
                            gap.shard(), gap.reason());
            state.fail("changes of the table's shard are missing; reconnect and resume to be told resync");
            states.remove(state.table(), state);
            if (isSystem(state.table())) {
                synchronized (this) {
                    pin(state.table());
                }
            }
        }
    }

    /** Drops a state that failed; its subscribers are closed and reconnect. */
    void drop(TableState state) {
        state.fail("this node dropped the table's state after a failure; reconnect");
        states.remove(state.table(), state);
    }

    void release(TableState state, Subscriber subscriber) {
        if (state.leave(subscriber)) {
            states.remove(state.table(), state);
        }
    }

    /**
     * The table's subscriber cap: the most specific of the caps set for it by name or by pattern, in
     * {@code rtkv.settings} or in the configuration (rtkv.settings first at the same name), else the node's
     * default ({@link SubscriberCaps#resolve}).
     */
    int capOf(String table) {
        TableState settings = pinned.get(SETTINGS);
        return SubscriberCaps.resolve(table, name -> {
            Entry entry = settings == null ? null : settings.entry(name);
            return entry == null ? null : entry.value();
        }, config.capPatterns(), config.maxSubscribers(), (name, value) -> {
            // Written straight to a shard: said once per value, not on every subscribe.
            if (passedOver.add(name + "=" + value)) {
                LOG.atWarn().addKeyValue("table", table).log("{} of {} is {}, not {{\"maxSubscribers\": N}}; it is"
                        + " passed over", SETTINGS, name, value);
            }
        });
    }

    /**
     * The API key with this id: from the node's copy of {@code rtkv.keys}, kept current by the feed, so a
     * revocation reaches the node within the stream's latency. A key created a moment ago may not have
     * streamed here yet: the shard is asked then.
     */
    Optional<KeyRecord> key(String id) {
        TableState keys = pinned.get(KeyRecord.TABLE);
        Entry entry = keys == null ? null : keys.entry(id);
        String json;
        if (entry != null && entry.value() != null) {
            json = entry.value();
        } else {
            try {
                json = snapshots.readValue(KeyRecord.TABLE, id).orElse(null);
            } catch (SQLException e) {
                throw new IllegalStateException("the shard of " + KeyRecord.TABLE + " cannot be read: " + e.getMessage(), e);
            }
        }
        return json == null ? Optional.empty() : KeyRecord.readable(id, json);
    }

    int held() {
        return states.size();
    }

    @Override
    public void close() {
        loader.shutdownNow();
        timers.shutdownNow();
        try {
            loader.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
