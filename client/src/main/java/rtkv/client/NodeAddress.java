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

    private NodeAddress() {
    }

    /** The address without its trailing slash; an address that is not a node's is refused. */
    static String of(String url) {
        if (url == null || !url.matches(NODE)) {
            throw new IllegalArgumentException("a fanout node's address is ws://HOST:PORT or wss://HOST:PORT, not " + url);
        }
        return url.replaceAll("/+$", "");
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
    static URI subscribe(String node, String table, String resume, Duration conflate) {
        List<String> params = new ArrayList<>();
        if (resume != null) {
            params.add("resume=" + URLEncoder.encode(resume, StandardCharsets.UTF_8));
        }
        if (!conflate.isZero()) {
            params.add("conflate=" + conflate.toMillis());
        }
        String query = params.isEmpty() ? "" : "?" + String.join("&", params);
        URI uri = URI.create(node + "/v1/tables/" + URLEncoder.encode(table, StandardCharsets.UTF_8).replace("+", "%20")
                + "/subscribe" + query);
        if (!"ws".equals(uri.getScheme()) && !"wss".equals(uri.getScheme())) {
            throw new IllegalArgumentException("not a ws:// or wss:// address: " + node);
        }
        return uri;
    }
}
