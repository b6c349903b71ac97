package rtkv.api.store;

/**
 * A write's idempotency key, and the fingerprint of what the request asks: a write sent again with its
 * key gets the first answer and is not applied again; a key sent with another request is refused.
 */
public record IdempotencyKey(String key, byte[] request) {
}
