package rtkv.api;

/** A request that cannot be served, with the HTTP status and the words the client will read. */
final class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final boolean hasCurrentVersion;
    private final Long currentVersion;
    private final Integer operation;
    private final long retryAfterSeconds;

    ApiException(int status, String code, String message) {
        this(status, code, message, false, null, null, 1);
    }

    private ApiException(int status, String code, String message, boolean hasCurrentVersion, Long currentVersion,
                         Integer operation, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.hasCurrentVersion = hasCurrentVersion;
        this.currentVersion = currentVersion;
        this.operation = operation;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    /** 401: no key, or one that is unknown, revoked or expired. */
    static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message);
    }

    /** 403: a valid key, outside its scopes. */
    static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    static ApiException conflict(String code, String message) {
        return new ApiException(409, code, message);
    }

    /** 412, carrying the key's current version ({@code null} when the key does not exist). */
    static ApiException preconditionFailed(String message, Long currentVersion) {
        return new ApiException(412, "version_mismatch", message, true, currentVersion, null, 1);
    }

    static ApiException tooLarge(String code, String message) {
        return new ApiException(413, code, message);
    }

    static ApiException tooManyRequests(String message) {
        return new ApiException(429, "too_many_requests", message);
    }

    /** 429 with {@code Retry-After: seconds}. */
    static ApiException tooManyRequests(String message, long retryAfterSeconds) {
        return new ApiException(429, "too_many_requests", message, false, null, null, Math.max(1, retryAfterSeconds));
    }

    static ApiException unavailable(String message) {
        return new ApiException(503, "unavailable", message);
    }

    /** The same failure, as the answer to operation {@code index} of a batch. */
    ApiException atOperation(int index) {
        return new ApiException(status, code, "operation " + index + ": " + getMessage(), hasCurrentVersion,
                currentVersion, index, retryAfterSeconds);
    }

    int status() {
        return status;
    }

    /** For a 429: when to try again. */
    long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    String body() {
        return Answers.error(code, getMessage(), hasCurrentVersion, currentVersion, operation);
    }
}
