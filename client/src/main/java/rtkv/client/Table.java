package rtkv.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

/**
 * One table of an {@link RtkvClient}: its keys over the HTTP API, and subscriptions to it. Calls block until
 * the answer; each throws {@link RtkvException} with the server's error code when refused.
 */
public final class Table {

    private final RtkvClient client;
    private final Requests requests;
    private final String name;
    private final String path;

    Table(RtkvClient client, Requests requests, String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a table name is not empty");
        }
        this.client = client;
        this.requests = requests;
        this.name = name;
        this.path = "/v1/tables/" + Requests.segment(name);
    }

    public String name() {
        return name;
    }

    /** The key's value, version and expiry; empty when it does not exist (or has expired). */
    public Optional<Entry> get(String key) {
        JsonNode answer = http().send(read(keyPath(key)), true);
        return Optional.ofNullable(answer).map(Entry::of);
    }

    /** Puts a value: anything Jackson writes as JSON (a {@code JsonNode} is written as it is). */
    public Written put(String key, Object value) {
        return put(key, value, Write.options());
    }

    public Written put(String key, Object value, Write write) {
        String query = write.ttl() == null ? "" : "?ttl=" + write.ttl().getSeconds();
        return Written.of(http().send(write("PUT", keyPath(key) + query, json(value), write), false));
    }

    /** Deletes the key; empty when it did not exist. */
    public Optional<Written> delete(String key) {
        return delete(key, Write.options());
    }

    /** A delete with {@code ifVersion} (and an idempotency key, if you like). */
    public Optional<Written> delete(String key, Write write) {
        onlyKeyAnd(write, true, "a delete takes ifVersion and an idempotency key, nothing else");
        return Optional.ofNullable(http().send(write("DELETE", keyPath(key), null, write), true)).map(Written::of);
    }

    /** Adds {@code by} to an integer value atomically, creating the key from {@code by}; the new value is in the answer. */
    public Written incr(String key, long by) {
        return incr(key, by, Write.options());
    }

    /** An increment with an idempotency key: retried safely, applied once. */
    public Written incr(String key, long by, Write write) {
        onlyKeyAnd(write, false, "an increment takes an idempotency key, nothing else");
        String body = Frames.JSON.createObjectNode().put("by", by).toString();
        return Written.of(http().send(write("POST", keyPath(key) + "/incr", body, write), false));
    }

    /** Sets the key's time to live (whole seconds), or clears it with null; not_found when there is no such key. */
    public Written ttl(String key, Duration ttl) {
        Write checked = Write.options().ttl(ttl);
        String body = checked.ttl() == null ? "{\"ttl\":null}" : "{\"ttl\":" + checked.ttl().getSeconds() + "}";
        return Written.of(http().send(write("PUT", keyPath(key) + "/ttl", body, Write.options()), false));
    }

    /** The first page of the live keys that begin with {@code prefix} (null: all), up to 100. */
    public Page list(String prefix) {
        return list(prefix, null, 100);
    }

    /**
     * A page of live keys in key order: pass the last page's {@link Page#next()} as {@code after} until it is
     * null. A key that exists during the whole walk is listed exactly once.
     *
     * @param limit 1 to 1000
     */
    public Page list(String prefix, String after, int limit) {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("a page holds 1 to 1000 keys, not " + limit);
        }
        StringBuilder query = new StringBuilder("?limit=").append(limit);
        if (prefix != null) {
            query.append("&prefix=").append(Requests.segment(prefix));
        }
        if (after != null) {
            query.append("&after=").append(Requests.segment(after));
        }
        JsonNode answer = http().send(read(path + "/keys" + query), false);
        Map<String, Entry> entries = new LinkedHashMap<>();
        answer.path("keys").forEach(entry -> entries.put(entry.path("key").asText(), Entry.of(entry)));
        JsonNode next = answer.path("next");
        return new Page(entries, next.isTextual() ? next.asText() : null);
    }

    /** Every operation of {@code batch}, or none; the results in the order the operations were added. */
    public List<Written> batch(Batch batch) {
        return batch(batch, Write.options());
    }

    /** A batch with an idempotency key: retried safely, applied once. */
    public List<Written> batch(Batch batch, Write write) {
        onlyKeyAnd(write, false, "a batch takes an idempotency key; conditions and ttl go on its operations");
        JsonNode answer = http().send(write("POST", path + "/batch", batch.json(), write), false);
        return StreamSupport.stream(answer.path("results").spliterator(), false).map(Written::of).toList();
    }

    /** A subscription to this table, sharing the client's connection to the node that serves it. */
    public Subscription.Builder subscribe() {
        return client.subscribe(name);
    }

    /** Refuses what a call cannot send: anything but an idempotency key, and ifVersion where it may. */
    private static void onlyKeyAnd(Write write, boolean ifVersion, String refusal) {
        if ((!ifVersion && write.ifVersion() != null) || write.createOnly() || write.ttl() != null) {
            throw new IllegalArgumentException(refusal);
        }
    }

    private Requests http() {
        client.checkOpen();
        if (requests == null) {
            throw new IllegalStateException("reads and writes need the client's api address: RtkvClient.builder().api(...)");
        }
        return requests;
    }

    private String keyPath(String key) {
        return path + "/keys/" + Requests.segment(Requests.key(key));
    }

    private static Requests.Call read(String path) {
        return new Requests.Call("GET", path, null, Map.of(), true);
    }

    private static Requests.Call write(String method, String path, String body, Write write) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (write.ifVersion() != null) {
            headers.put("If-Match", "\"" + write.ifVersion() + "\"");
        }
        if (write.createOnly()) {
            headers.put("If-None-Match", "*");
        }
        if (write.idempotencyKey() != null) {
            headers.put("Idempotency-Key", write.idempotencyKey());
        }
        return new Requests.Call(method, path, body, headers, write.idempotencyKey() != null);
    }

    private static String json(Object value) {
        try {
            return Frames.JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the value cannot be written as JSON: " + e.getMessage(), e);
        }
    }
}
