package rtkv.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import rtkv.schema.ErrorCode;

/** Request bodies, read up to a limit and no further: an oversized body is refused, never buffered whole. */
final class Bodies {

    /** The most of a refused body read and dropped to keep its connection usable. */
    static final int DRAIN_BYTES = 1 << 20;

    private Bodies() {
    }

    /**
     * @param code the error code of the 413, e.g. {@link ErrorCode#VALUE_TOO_LARGE}
     * @param what what the body is, for the message: "a value", "a batch"
     */
    static String read(Context ctx, int limit, ErrorCode code, String what) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw tooLarge(limit, code, what);
        }
        byte[] bytes;
        try {
            // Not closed: what is left of a refused body may still be drained from it.
            bytes = ctx.req().getInputStream().readNBytes(limit + 1);
        } catch (IOException e) {
            throw ApiException.of(ErrorCode.BAD_REQUEST, "the request body could not be read: " + e.getMessage());
        }
        if (bytes.length > limit) {
            throw tooLarge(limit, code, what);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.of(ErrorCode.INVALID_JSON, "the body is not UTF-8");
        }
    }

    /**
     * Refuses a body on a route that takes none (a DELETE): a client that sent one may have meant it as
     * a condition, which the write would otherwise ignore.
     */
    static void none(Context ctx) {
        byte[] first;
        try {
            first = ctx.req().getInputStream().readNBytes(1);
        } catch (IOException e) {
            throw ApiException.of(ErrorCode.BAD_REQUEST, "the request body could not be read: " + e.getMessage());
        }
        if (first.length > 0) {
            throw ApiException.of(ErrorCode.BAD_REQUEST, ctx.method() + " takes no body; its conditions are headers (If-Match)");
        }
    }

    /**
     * Reads and drops what is left of a refused request's body, up to {@link #DRAIN_BYTES}; answers whether
     * it was all read. A body left unread makes Jetty close the connection after the answer: a client
     * that reuses the connection for its next request then sees it fail with no answer at all, and one
     * still sending the refused body may get a reset instead of the answer. So a body at most a mebibyte
     * long is read to its end; a larger one is not, and the answer says {@code Connection: close}, as it
     * should for a client sending that much to be refused. Nor is one whose client asked
     * {@code Expect: 100-continue}: it sends nothing until told to, and the answer tells it not to.
     */
    static boolean drain(Context ctx) {
        if ("100-continue".equalsIgnoreCase(ctx.header("Expect")) || ctx.req().getContentLengthLong() > DRAIN_BYTES) {
            return false;
        }
        try {
            InputStream in = ctx.req().getInputStream();
            byte[] sink = new byte[8_192];
            long read = 0;
            for (int n; (n = in.read(sink)) >= 0; ) {
                read += n;
                if (read > DRAIN_BYTES) {
                    return false;
                }
            }
            return true;
        } catch (IOException | IllegalStateException e) {
            return false;
        }
    }

    private static ApiException tooLarge(int limit, ErrorCode code, String what) {
        return ApiException.of(code, what + " may be at most " + limit + " bytes");
    }
}
