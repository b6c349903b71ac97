package rtkv.fanout;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Who is subscribed to which table. The feed looks up a table per change; connections come and go. */
final class Subscribers {

    private final ConcurrentHashMap<String, Set<Subscriber>> byTable = new ConcurrentHashMap<>();

    void add(Subscriber subscriber) {
        byTable.compute(subscriber.table(), (table, set) -> {
            Set<Subscriber> subscribers = set == null ? ConcurrentHashMap.newKeySet() : set;
            subscribers.add(subscriber);
            return subscribers;
        });
    }

    void remove(Subscriber subscriber) {
        byTable.computeIfPresent(subscriber.table(), (table, set) -> {
            set.remove(subscriber);
            return set.isEmpty() ? null : set;
        });
    }

    /** The table's subscribers, or an empty set; safe to iterate while others join and leave. */
    Set<Subscriber> of(String table) {
        Set<Subscriber> subscribers = byTable.get(table);
        return subscribers == null ? Set.of() : subscribers;
    }

    int tables() {
        return byTable.size();
    }
}
