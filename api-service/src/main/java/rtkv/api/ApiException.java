package rtkv.api;

import rtkv.api.store.StoreException;
import rtkv.schema.ErrorCode;

/**
 * A request that cannot be served: the error code (whose HTTP status it is answered with) and the words
 * the client will read.
 */
final class ApiException extends RuntimeException {

    private final ErrorCode code;
    private final boolean hasCurrentVersion;
    private final Long currentVersion;
    private final Integer operation;
    private final long retryAfterSeconds;

    private ApiException(ErrorCode code, String message, boolean hasCurrentVersion, Long currentVersion,
                         Integer operation, long retryAfterSeconds) {
        super(message, null, false, false);
        if (!code.on(ErrorCode.Surface.API)) {
            throw new IllegalArgumentException(code + " is not one of the HTTP API's codes (ErrorCode.Surface.API)");
        }
        this.code = code;
        this.hasCurrentVersion = hasCurrentVersion;
        this.currentVersion = currentVersion;
        this.operation = operation;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiException of(ErrorCode code, String message) {
        return new ApiException(code, message, false, null, null, 1);
    }

    /** 401: no key, or one that is unknown, revoked or expired. */
    static ApiException unauthorized(String message) {
        return of(ErrorCode.UNAUTHORIZED, message);
    }

    /** 403: a valid key, outside its scopes. */
    static ApiException forbidden(String message) {
        return of(ErrorCode.FORBIDDEN, message);
    }

    static ApiException notFound(String message) {
        return of(ErrorCode.NOT_FOUND, message);
    }



    /** 429 with {@code Retry-After: seconds}. */
    static ApiException tooManyRequests(String message, long retryAfterSeconds) {
        return new ApiException(ErrorCode.TOO_MANY_REQUESTS, message, false, null, null, Math.max(1, retryAfterSeconds));
    }


    /** What the store refused, as the API answers it. */
    static ApiException from(StoreException e) {
        ErrorCode code = switch (e.failure()) {
            case NOT_FOUND -> ErrorCode.NOT_FOUND;
            case VERSION_MISMATCH -> ErrorCode.VERSION_MISMATCH;
            case INVALID_CONDITION -> ErrorCode.INVALID_HEADER;
            case NOT_A_NUMBER -> ErrorCode.NOT_A_NUMBER;
            case OUT_OF_RANGE -> ErrorCode.OUT_OF_RANGE;
            case IDEMPOTENCY_KEY_REUSED -> ErrorCode.IDEMPOTENCY_KEY_REUSED;
            case BUSY -> ErrorCode.TOO_MANY_REQUESTS;
            case UNAVAILABLE -> ErrorCode.UNAVAILABLE;
            case INTERNAL -> ErrorCode.INTERNAL;
        };
        return new ApiException(code, e.getMessage(), e.hasCurrentVersion(), e.currentVersion(), e.operation(), 1);
    }

    /** The same failure, as the answer to operation {@code index} of a batch. */
    ApiException atOperation(int index) {
        return new ApiException(code, "operation " + index + ": " + getMessage(), hasCurrentVersion, currentVersion,
                index, retryAfterSeconds);
    }

    int status() {
        return code.status();
    }

    /** For a 429: when to try again. */
    long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    String body() {
        return Answers.error(code, getMessage(), hasCurrentVersion, currentVersion, operation);
    }
}
