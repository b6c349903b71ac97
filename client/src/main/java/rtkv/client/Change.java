package rtkv.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One change applied to the client's table.
 *
 * @param op        put, delete or expire
 * @param value     the new value for a put; null otherwise
 * @param token     where the stream stands after it: resuming with it continues right after
 */
public record Change(String op, String key, JsonNode value, long version, Long expiresAt, String token) {
}
