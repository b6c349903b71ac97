package rtkv.api;

import io.javalin.http.Context;
import rtkv.api.store.Precondition;
import rtkv.schema.ErrorCode;

/** Reads If-Match and If-None-Match; the version is the ETag, sent bare ({@code 3}) or quoted ({@code "3"}). */
final class Preconditions {

    private Preconditions() {
    }

    static Precondition of(Context ctx) {
        return of(ctx.header("If-Match"), ctx.header("If-None-Match"));
    }

    static Precondition of(String ifMatch, String ifNoneMatch) {
        if (ifMatch != null && ifNoneMatch != null) {
            throw ApiException.of(ErrorCode.INVALID_HEADER, "send If-Match or If-None-Match, not both");
        }
        if (ifNoneMatch != null) {
            if (!ifNoneMatch.strip().equals("*")) {
                throw ApiException.of(ErrorCode.INVALID_HEADER,
                        "If-None-Match only takes *, meaning: write only if the key does not exist");
            }
            return new Precondition.IfNoneMatch();
        }
        if (ifMatch != null) {
            return new Precondition.IfMatch(version(ifMatch));
        }
        return Precondition.NONE;
    }

    static long version(String text) {
        String bare = text.strip();
        if (bare.length() >= 2 && bare.startsWith("\"") && bare.endsWith("\"")) {
            bare = bare.substring(1, bare.length() - 1);
        }
        try {
            long version = Long.parseLong(bare);
            if (version >= 1) {
                return version;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.of(ErrorCode.INVALID_HEADER,
                "If-Match takes the version to compare with, such as 3 or \"3\"; got " + text.strip());
    }
}
