package rtkv.api.store;

/**
 * An operation the store refused or could not do, as the store knows it: a {@link Failure}, the words
 * for whoever asked, and for a failed condition the key's current version. How it is answered (a
 * status, a body) is the caller's business.
 */
public final class StoreException extends RuntimeException {

    /** Why an operation did not happen. */
    public enum Failure {
        /** The key does not exist (or is a tombstone, or expired). */
        NOT_FOUND,
        /** A condition on the key's version did not hold; {@link #currentVersion()} says what it is. */
        VERSION_MISMATCH,
        /** A condition that the operation cannot take ("the key does not exist" on a delete). */
        INVALID_CONDITION,
        /** An increment of a value that is not an integer. */
        NOT_A_NUMBER,
        /** An increment past the range of 64-bit integers. */
        OUT_OF_RANGE,
        /** An idempotency key already used with another request. */
        IDEMPOTENCY_KEY_REUSED,
        /** Too many requests wait for the shard already: retry shortly. */
        BUSY,
        /** The shard cannot be reached, or the connection broke. */
        UNAVAILABLE,
        /** The shard failed the statement; it was logged. */
        INTERNAL
    }

    private final Failure failure;
    private final boolean hasCurrentVersion;
    private final Long currentVersion;
    private final Integer operation;

    private StoreException(Failure failure, String message, boolean hasCurrentVersion, Long currentVersion,
                           Integer operation) {
        super(message, null, false, false);
        this.failure = failure;
        this.hasCurrentVersion = hasCurrentVersion;
        this.currentVersion = currentVersion;
        this.operation = operation;
    }

    static StoreException of(Failure failure, String message) {
        return new StoreException(failure, message, false, null, null);
    }

    /** A failed condition, with the key's current version ({@code null} when the key does not exist). */
    static StoreException versionMismatch(String message, Long currentVersion) {
        return new StoreException(Failure.VERSION_MISMATCH, message, true, currentVersion, null);
    }

    /** The same failure, as operation {@code index} of a batch's. */
    StoreException atOperation(int index) {
        return new StoreException(failure, "operation " + index + ": " + getMessage(), hasCurrentVersion, currentVersion,
                index);
    }

    public Failure failure() {
        return failure;
    }

    /** Whether {@link #currentVersion()} is part of the failure (it may be null: no such key). */
    public boolean hasCurrentVersion() {
        return hasCurrentVersion;
    }

    public Long currentVersion() {
        return currentVersion;
    }

    /** The operation of a batch that failed, or null. */
    public Integer operation() {
        return operation;
    }
}
