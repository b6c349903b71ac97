package rtkv.client;

import java.time.Duration;

/**
 * What the server refused, in its words ({@link #code()} is the error code of the HTTP API), or a request
 * that got no answer ({@link #status()} 0, code {@code unreachable}).
 */
public class RtkvException extends RuntimeException {

    private final int status;
    private final String code;
    private final Long currentVersion;
    private final Integer operation;
    private final Duration retryAfter;

    RtkvException(int status, String code, String message, Long currentVersion, Integer operation,
            Duration retryAfter, Throwable cause) {
        super(code + ": " + message, cause);
        this.status = status;
        this.code = code;
        this.currentVersion = currentVersion;
        this.operation = operation;
        this.retryAfter = retryAfter;
    }

    /** The HTTP status, or 0 when no answer came. */
    public int status() {
        return status;
    }

    /** The error code: {@code not_found}, {@code version_mismatch}, {@code unavailable}, ... or {@code unreachable}. */
    public String code() {
        return code;
    }

    /** After a failed {@code ifVersion} or {@code ifAbsent}: the key's version now, or null when it does not exist. */
    public Long currentVersion() {
        return currentVersion;
    }

    /** In a batch, the index of the operation that failed; otherwise null. */
    public Integer operation() {
        return operation;
    }

    /** How long the server asked to wait before a retry (429), or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** A compare-and-set or create-only write whose condition did not hold (412). */
    public boolean isConflict() {
        return status == 412;
    }
}
