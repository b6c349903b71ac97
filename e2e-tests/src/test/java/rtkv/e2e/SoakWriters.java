package rtkv.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's writers: threads of random operations over a few tables, every acknowledged one recorded
 * in a {@link History}. Keys {@code k0..k19} get puts (some with a time to live), deletes, new times to
 * live, compare-and-set puts and batches; keys {@code c0..c4} are counters for increments, alone or in
 * batches. A request that fails or goes unanswered (a fault is under way) is recorded as nothing: it may
 * or may not have been applied, and the checker allows both. Each thread's choices come from the seed.
 */
final class SoakWriters implements AutoCloseable {

    private final History history;
    private final List<String> tables;
    private final Api api;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private SoakWriters(History history, List<String> tables, Api api) {
        this.history = history;
        this.tables = tables;
        this.api = api;
    }

    static SoakWriters start(History history, List<String> tables, int count, long seed) {
        SoakWriters writers = new SoakWriters(history, tables, E2eCluster.api());
        for (int i = 0; i < count; i++) {
            Random random = new Random(seed * 31 + i);
            Thread thread = new Thread(() -> writers.writeWhileOpen(random), "soak-writer-" + i);
            writers.threads.add(thread);
            thread.start();
        }
        return writers;
    }

    long acknowledged() {
        return acknowledged.get();
    }

    long failed() {
        return failed.get();
    }

    private void writeWhileOpen(Random random) {
        // The versions this thread last saw, for its compare-and-set puts.
        Map<String, Long> seen = new HashMap<>();
        while (writing.get()) {
            String table = tables.get(random.nextInt(tables.size()));
            try {
                if (write(random, table, seen)) {
                    acknowledged.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    pause();
                }
            } catch (UncheckedIOException e) {
                failed.incrementAndGet();
                pause();
            }
        }
    }

    /** After a failure (a fault is under way): a client backs off rather than spin on a dead address. */
    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One random operation on {@code table}; answers whether it was acknowledged. */
    private boolean write(Random random, String table, Map<String, Long> seen) {
        String key = "k" + random.nextInt(20);
        int op = random.nextInt(100);
        if (op < 30) {
            String value = value(random);
            return put(table, key, value, api.put(table, key, value), seen);
        } else if (op < 40) {
            String value = value(random);
            Api.Answer answer = api.call("PUT", Api.keyPath(table, key) + "?ttl=" + (1 + random.nextInt(4)), value);
            return put(table, key, value, answer, seen);
        } else if (op < 50) {
            String value = value(random);
            Long expected = seen.get(table + "/" + key);
            Api.Answer answer = api.call("PUT", Api.keyPath(table, key), value, "If-Match", Long.toString(expected == null ? 1 : expected));
            return put(table, key, value, answer, seen);
        } else if (op < 60) {
            Api.Answer answer = api.delete(table, key);
            if (answer.status() == 200) {
                history.write(table, key, answer.version(), null);
            }
            return answer.status() == 200 || answer.status() == 404;
        } else if (op < 67) {
            String ttl = random.nextBoolean() ? "null" : Integer.toString(1 + random.nextInt(4));
            Api.Answer answer = api.call("PUT", Api.keyPath(table, key) + "/ttl", "{\"ttl\": " + ttl + "}");
            if (answer.status() == 200) {
                history.write(table, key, answer.version(), History.Write.ANY, answer.body().path("expiresAt").isNumber());
            }
            return answer.status() == 200 || answer.status() == 404;
        } else if (op < 85) {
            String counter = "c" + random.nextInt(5);
            Api.Answer answer = api.call("POST", Api.keyPath(table, counter) + "/incr", "{\"by\": " + (1 + random.nextInt(5)) + "}");
            if (answer.status() == 200) {
                history.write(table, counter, answer.version(), answer.body().get("value").toString());
            }
            return answer.status() == 200;
        }
        return batch(random, table);
    }

    private boolean put(String table, String key, String value, Api.Answer answer, Map<String, Long> seen) {
        if (answer.status() == 200) {
            history.write(table, key, answer.version(), value, answer.body().path("expiresAt").isNumber());
            seen.put(table + "/" + key, answer.version());
            return true;
        }
        if (answer.status() == 412) {
            JsonNode current = answer.body().path("currentVersion");
            if (current.isNumber()) {
                seen.put(table + "/" + key, current.asLong());
            } else {
                seen.remove(table + "/" + key);
            }
            return true;
        }
        return false;
    }

    /** Two to five operations on distinct keys, all or nothing. */
    private boolean batch(Random random, String table) {
        List<String> ops = new ArrayList<>();
        List<String[]> expected = new ArrayList<>();
        int size = 2 + random.nextInt(4);
        List<String> keys = new ArrayList<>();
        while (keys.size() < size) {
            String key = random.nextInt(3) == 0 ? "c" + random.nextInt(5) : "k" + random.nextInt(20);
            if (!keys.contains(key)) {
                keys.add(key);
            }
        }
        for (String key : keys) {
            if (key.startsWith("c")) {
                ops.add("{\"op\":\"incr\",\"key\":\"" + key + "\",\"by\":1}");
                expected.add(new String[] {key, "incr"});
            } else if (random.nextInt(4) == 0) {
                ops.add("{\"op\":\"put\",\"key\":\"" + key + "\",\"value\":null}");
                expected.add(new String[] {key, "null"});
            } else {
                String value = value(random);
                ops.add("{\"op\":\"put\",\"key\":\"" + key + "\",\"value\":" + value + "}");
                expected.add(new String[] {key, value});
            }
        }
        Api.Answer answer = api.call("POST", "/v1/tables/" + table + "/batch", "{\"ops\":[" + String.join(",", ops) + "]}");
        if (answer.status() != 200) {
            return false;
        }
        JsonNode results = answer.body().get("results");
        for (int i = 0; i < expected.size(); i++) {
            JsonNode result = results.get(i);
            String value = expected.get(i)[1].equals("incr") ? result.get("value").toString() : expected.get(i)[1];
            history.write(table, expected.get(i)[0], result.get("version").asLong(), value);
        }
        return true;
    }

    private static String value(Random random) {
        return "{\"n\":" + random.nextInt(1000) + "}";
    }

    /** Stops once every request in flight is answered; idempotent. */
    void stop() {
        writing.set(false);
        try {
            for (Thread thread : threads) {
                thread.join(60_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
