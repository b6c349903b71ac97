package rtkv.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a write did to its key.
 *
 * @param version   the key's version after the write (a delete's too: a key's versions only grow)
 * @param expiresAt when its time to live ends, in milliseconds since the epoch, or null
 * @param value     an increment's new value; null for other writes
 */
public record Written(String key, long version, Long expiresAt, JsonNode value) {

    static Written of(JsonNode answer) {
        JsonNode expiresAt = answer.path("expiresAt");
        JsonNode value = answer.get("value");
        return new Written(answer.path("key").asText(), answer.path("version").asLong(),
                expiresAt.isNumber() ? expiresAt.asLong() : null, value == null || value.isNull() ? null : value);
    }
}
