package rtkv.api.store;

/**
 * A key as an operation left it: the value where the operation has one (null for a delete, a TTL
 * change or a conditional create), its version, and when it expires (null: never).
 */
public record Entry(String key, String value, long version, Long expiresAt) {
}
