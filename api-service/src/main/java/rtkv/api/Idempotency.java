package rtkv.api;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import rtkv.api.store.IdempotencyKey;
import rtkv.schema.ErrorCode;

/**
 * The {@code Idempotency-Key} header of a write. A write sent again with the key it was first sent
 * with gets the first answer and is not applied again. The answer is stored in the write's own
 * transaction on the table's shard (table {@code idempotency}), so it exists exactly when the write
 * committed. A retry of a write that failed runs it again, and a key sent with a different request
 * is refused with 422.
 */
final class Idempotency {

    static final String HEADER = "Idempotency-Key";
    /** Set on an answer that is the stored answer of an earlier request with the same key. */
    static final String REPLAYED = "Idempotent-Replayed";
    private static final int MAX_LENGTH = 128;

    private Idempotency() {
    }

    /**
     * The request's key, or null when it sent none.
     *
     * @param body the request body as read, or "" for a request without one
     */
    static IdempotencyKey of(Context ctx, String body) {
        String key = ctx.header(HEADER);
        if (key == null) {
            return null;
        }
        if (key.isEmpty() || key.length() > MAX_LENGTH || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw ApiException.of(ErrorCode.INVALID_IDEMPOTENCY_KEY, HEADER + " is 1 to " + MAX_LENGTH
                    + " printable ASCII characters without spaces, such as a UUID");
        }
        return new IdempotencyKey(key, fingerprint(ctx.method().name(), ctx.path(), ctx.queryString(), ctx.header("If-Match"),
                ctx.header("If-None-Match"), body));
    }

    /** SHA-256 of the parts of a request that decide what it does, each length-prefixed so none can blur into the next. */
    static byte[] fingerprint(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                byte[] bytes = part == null ? new byte[0] : part.getBytes(StandardCharsets.UTF_8);
                sha.update(Integer.toString(part == null ? -1 : bytes.length).getBytes(StandardCharsets.US_ASCII));
                sha.update((byte) ':');
                sha.update(bytes);
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
