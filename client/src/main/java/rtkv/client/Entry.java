package rtkv.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A key of the table as the client holds it.
 *
 * @param value     the JSON value
 * @param version   the key's version: it only grows
 * @param expiresAt when its time to live ends, in milliseconds since the epoch, or null
 */
public record Entry(JsonNode value, long version, Long expiresAt) {

    /** An entry of a snapshot, a change or an answer of the HTTP API. */
    static Entry of(JsonNode node) {
        JsonNode expiresAt = node.path("expiresAt");
        return new Entry(node.get("value"), node.path("version").asLong(), expiresAt.isNumber() ? expiresAt.asLong() : null);
    }

    public boolean isLive(long nowMillis) {
        return expiresAt == null || expiresAt > nowMillis;
    }
}
