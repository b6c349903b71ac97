package rtkv.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Request bodies, read up to a limit and no further: an oversized body is refused, never buffered whole. */
final class Bodies {

    private Bodies() {
    }

    /**
     * @param code the error code of the 413, e.g. {@code value_too_large}
     * @param what what the body is, for the message: "a value", "a batch"
     */
    static String read(Context ctx, int limit, String code, String what) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw tooLarge(limit, code, what);
        }
        byte[] bytes;
        try (InputStream in = ctx.req().getInputStream()) {
            bytes = in.readNBytes(limit + 1);
        } catch (IOException e) {
            throw ApiException.badRequest("bad_request", "the request body could not be read: " + e.getMessage());
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
            throw ApiException.badRequest("invalid_json", "the body is not UTF-8");
        }
    }

    /**
     * Reads and drops what is left of a refused request's body, up to {@code limit} bytes, so that the
     * client's connection stays usable. A request refused from its headers alone leaves its body unread;
     * Jetty then closes the connection after the answer, and a client that reuses the connection for its
     * next request sees that request fail with no answer at all. A larger body is left: the connection
     * closes, as it should for a client sending that much to be refused.
     */
    static void discard(Context ctx, int limit) {
        if (ctx.req().getContentLengthLong() > limit) {
            return;
        }
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] sink = new byte[8_192];
            long read = 0;
            for (int n; read <= limit && (n = in.read(sink)) >= 0; ) {
                read += n;
            }
        } catch (IOException | IllegalStateException e) {
            // The connection closes instead; the answer is decided already.
        }
    }

    private static ApiException tooLarge(int limit, String code, String what) {
        return ApiException.tooLarge(code, what + " may be at most " + limit + " bytes");
    }
}
