package rtkv.client;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A fanout node's address, ws://HOST:PORT or wss://HOST:PORT, and the subscribe URIs under it. */
final class NodeAddress {

    private static final String NODE = "wss?://[^/?#\\s]+/?";
    /** The server's limit, RTKV_MAX_KEY_BYTES by default. */
    static final int MAX_KEY_BYTES = 512;

    private NodeAddress() {
    }

    /** The address without its trailing slash; an address that is not a node's is refused. */
    static String of(String url) {
        if (url == null || !url.matches(NODE)) {
            throw new IllegalArgumentException("a fanout node's address is ws://HOST:PORT or wss://HOST:PORT, not " + url);
        }
        String node = url.replaceAll("/+$", "");
        try {
            if (URI.create(node).getHost() == null) {
                throw new IllegalArgumentException("no host in the fanout node's address " + url);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a fanout node's address is ws://HOST:PORT or wss://HOST:PORT, not " + url, e);
        }
        return node;
    }

    /** The node a "moved" frame names, or null when it names none the client could use. */
    static String orNull(String url) {
        return url != null && url.matches(NODE) ? url.replaceAll("/+$", "") : null;
    }

    /**
     * Where to subscribe to {@code table} on {@code node}, resuming from {@code resume} (or null).
     *
     * @throws IllegalArgumentException when the result is no ws:// or wss:// URI
     */
    static URI subscribe(String node, String table, String resume, Options options) {
        List<String> params = new ArrayList<>();
        if (resume != null) {
            params.add("resume=" + URLEncoder.encode(resume, StandardCharsets.UTF_8));
        }
        if (!options.conflate().isZero()) {
            params.add("conflate=" + options.conflate().toMillis());
        }
        if (options.only() != null) {
            params.add("only=" + queryValue(options.only()));
        }
        if (options.prefix() != null) {
            params.add("prefix=" + queryValue(options.prefix()));
        }
        String query = params.isEmpty() ? "" : "?" + String.join("&", params);
        URI uri = URI.create(node + "/v1/tables/" + URLEncoder.encode(table, StandardCharsets.UTF_8).replace("+", "%20")
                + "/subscribe" + query);
        return checked(uri, node);
    }

    private static URI checked(URI uri, String node) {
        if (!"ws".equals(uri.getScheme()) && !"wss".equals(uri.getScheme())) {
            throw new IllegalArgumentException("not a ws:// or wss:// address: " + node);
        }
        return uri;
    }

    /** The node's {@code /v1/stream}, which carries many subscriptions on one connection. */
    static URI stream(String node) {
        return checked(URI.create(node + "/v1/stream"), node);
    }

    /** What a subscription asks for besides its table: conflation, and one key or a prefix (or neither). */
    record Options(Duration conflate, String only, String prefix) {
        static final Options NONE = new Options(Duration.ZERO, null, null);

        Options {
            if (only != null && prefix != null) {
                throw new IllegalArgumentException("a subscription watches one key (only) or a prefix, not both");
            }
        }

        static Duration conflate(Duration interval) {
            if (!interval.isZero() && (interval.toMillis() < 50 || interval.toMillis() > 60_000)) {
                throw new IllegalArgumentException("conflate is zero or 50 ms to 60 s, not " + interval);
            }
            return interval;
        }
    }

    /** A key, or the beginning of one, by the API's key rules: 1 to 512 bytes of UTF-8, no NUL. */
    static String keyOrPrefix(String what, String key) {
        if (key == null || key.isEmpty() || key.indexOf('\0') >= 0
                || key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException(what + " is a key or the beginning of one: 1 to " + MAX_KEY_BYTES
                    + " bytes of UTF-8 without NUL");
        }
        return key;
    }

    /** Percent-encoded as UTF-8, a space as %20: a key may hold any character but NUL. */
    private static String queryValue(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
