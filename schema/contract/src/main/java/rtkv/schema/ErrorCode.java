package rtkv.schema;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every error code rtkv sends, in an HTTP answer's {@code {"error": CODE}} or in an error frame. Clients
 * branch on these words, so they are part of the contract: api-service's OpenAPI document lists exactly
 * the codes marked {@link Surface#API}, and the error frame's JSON Schema exactly those marked
 * {@link Surface#FRAME} (tests compare both with this list).
 */
public enum ErrorCode {
    INVALID_TABLE("invalid_table", 400, Surface.API, Surface.NODE, Surface.FRAME),
    INVALID_KEY("invalid_key", 400, Surface.API),
    INVALID_JSON("invalid_json", 400, Surface.API),
    INVALID_FIELD("invalid_field", 400, Surface.API),
    INVALID_HEADER("invalid_header", 400, Surface.API),
    INVALID_TTL("invalid_ttl", 400, Surface.API),
    INVALID_PARAMETER("invalid_parameter", 400, Surface.API),
    INVALID_IDEMPOTENCY_KEY("invalid_idempotency_key", 400, Surface.API),
    INVALID_SCOPE("invalid_scope", 400, Surface.API),
    INVALID_KEY_ID("invalid_key_id", 400, Surface.API),
    INVALID_SETTING("invalid_setting", 400, Surface.API),
    BAD_REQUEST("bad_request", 400, Surface.API, Surface.NODE),
    UNAUTHORIZED("unauthorized", 401, Surface.API, Surface.NODE, Surface.FRAME),
    FORBIDDEN("forbidden", 403, Surface.API, Surface.NODE, Surface.FRAME),
    NOT_FOUND("not_found", 404, Surface.API, Surface.NODE),
    METHOD_NOT_ALLOWED("method_not_allowed", 405, Surface.API, Surface.NODE),
    NOT_A_NUMBER("not_a_number", 409, Surface.API),
    OUT_OF_RANGE("out_of_range", 409, Surface.API),
    VERSION_MISMATCH("version_mismatch", 412, Surface.API),
    VALUE_TOO_LARGE("value_too_large", 413, Surface.API),
    BATCH_TOO_LARGE("batch_too_large", 413, Surface.API),
    BODY_TOO_LARGE("body_too_large", 413, Surface.API, Surface.NODE),
    TOO_MANY_OPERATIONS("too_many_operations", 413, Surface.API),
    URI_TOO_LONG("uri_too_long", 414, Surface.API, Surface.NODE),
    IDEMPOTENCY_KEY_REUSED("idempotency_key_reused", 422, Surface.API),
    UPGRADE_REQUIRED("upgrade_required", 426, Surface.NODE),
    TOO_MANY_REQUESTS("too_many_requests", 429, Surface.API, Surface.NODE, Surface.FRAME),
    HEADERS_TOO_LARGE("headers_too_large", 431, Surface.API, Surface.NODE),
    INTERNAL("internal", 500, Surface.API, Surface.NODE),
    UNAVAILABLE("unavailable", 503, Surface.API, Surface.NODE, Surface.FRAME),
    // Frames only: a subscription's refusals, where the HTTP status below is never sent.
    INVALID_REQUEST("invalid_request", 400, Surface.FRAME),
    INVALID_FRAME("invalid_frame", 400, Surface.FRAME),
    MESSAGE_TOO_LARGE("message_too_large", 413, Surface.FRAME),
    TOO_MANY_SUBSCRIBERS("too_many_subscribers", 429, Surface.FRAME),
    TOO_MANY_SUBSCRIPTIONS("too_many_subscriptions", 429, Surface.FRAME),
    DUPLICATE_ID("duplicate_id", 409, Surface.FRAME),
    UNKNOWN_ID("unknown_id", 404, Surface.FRAME),
    NO_HEARTBEAT("no_heartbeat", 408, Surface.FRAME),
    TOO_SLOW("too_slow", 429, Surface.FRAME);

    /** Where a code can appear. */
    public enum Surface {
        /** An answer of api-service's HTTP API (its OpenAPI document). */
        API,
        /** An HTTP answer of a fanout node, before a WebSocket upgrade. */
        NODE,
        /** An error frame on a subscription's WebSocket. */
        FRAME
    }

    private final String code;
    private final int status;
    private final Set<Surface> surfaces;

    ErrorCode(String code, int status, Surface first, Surface... more) {
        this.code = code;
        this.status = status;
        this.surfaces = EnumSet.of(first, more);
    }

    /** The word clients see. */
    public String code() {
        return code;
    }

    /** The HTTP status an answer with this code carries. */
    public int status() {
        return status;
    }

    public boolean on(Surface surface) {
        return surfaces.contains(surface);
    }

    /** The codes that can appear on {@code surface}, as clients see them. */
    public static Set<String> codesOn(Surface surface) {
        return Arrays.stream(values()).filter(c -> c.on(surface)).map(ErrorCode::code)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** The code of an HTTP status that has no more specific one, for refusals made before a route runs. */
    public static ErrorCode ofStatus(int status) {
        return switch (status) {
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 413 -> BODY_TOO_LARGE;
            case 414 -> URI_TOO_LONG;
            case 426 -> UPGRADE_REQUIRED;
            case 431 -> HEADERS_TOO_LARGE;
            default -> status >= 500 ? INTERNAL : BAD_REQUEST;
        };
    }

    @Override
    public String toString() {
        return code;
    }
}
