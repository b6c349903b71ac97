package rtkv.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Operations on one table that take effect all together or not at all ({@link Table#batch}); up to 500 by
 * default. Results come back in the order the operations were added.
 */
public final class Batch {

    private final ArrayNode ops = Frames.JSON.createArrayNode();

    public static Batch of() {
        return new Batch();
    }

    /** Puts a value: anything Jackson writes as JSON (a {@code JsonNode} is written as it is). */
    public Batch put(String key, Object value) {
        return put(key, value, Write.options());
    }

    /** A put with a condition ({@code ifVersion}, {@code ifAbsent}) or a time to live; an idempotency key is the batch's. */
    public Batch put(String key, Object value, Write write) {
        ObjectNode op = op("put", key).set("value", Frames.JSON.valueToTree(value));
        if (write.ttl() != null) {
            op.put("ttl", write.ttl().getSeconds());
        }
        condition(op, write);
        if (write.createOnly()) {
            op.put("ifNoneMatch", "*");
        }
        return this;
    }

    public Batch delete(String key) {
        return delete(key, Write.options());
    }

    /** A delete with {@code ifVersion}. */
    public Batch delete(String key, Write write) {
        if (write.createOnly() || write.ttl() != null) {
            throw new IllegalArgumentException("a delete takes ifVersion alone");
        }
        condition(op("delete", key), write);
        return this;
    }

    public Batch incr(String key, long by) {
        op("incr", key).put("by", by);
        return this;
    }

    public int size() {
        return ops.size();
    }

    String json() {
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("a batch holds at least one operation");
        }
        return Frames.JSON.createObjectNode().set("ops", ops).toString();
    }

    private ObjectNode op(String op, String key) {
        return ops.addObject().put("op", op).put("key", Requests.key(key));
    }

    private static void condition(ObjectNode op, Write write) {
        if (write.ifVersion() != null) {
            op.put("ifMatch", write.ifVersion());
        }
    }
}
