package rtkv.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.slf4j.MDC;

/**
 * The table and key of the request a thread serves, in the MDC: every line logged while serving it
 * (a shard's error, a failure) names them as fields of their own ({@code rtkv.logging.ServiceLayout}).
 */
final class RequestContext {

    private static final String TABLES = "/v1/tables/";

    private RequestContext() {
    }

    /** From the request's path: {@code /v1/tables/{table}[/keys/{key}[/...]]}. */
    static void enter(String path) {
        MDC.clear();
        if (!path.startsWith(TABLES)) {
            return;
        }
        String[] segments = path.substring(TABLES.length()).split("/", -1);
        MDC.put("table", decode(segments[0]));
        if (segments.length >= 3 && segments[1].equals("keys") && !segments[2].isEmpty()) {
            MDC.put("key", decode(segments[2]));
        }
    }

    /** A pool thread goes on to other requests: nothing of this one stays. */
    static void leave() {
        MDC.clear();
    }

    private static String decode(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment; // a malformed escape: the request is refused anyway, the raw text says what came
        }
    }
}
