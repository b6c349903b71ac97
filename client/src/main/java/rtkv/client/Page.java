package rtkv.client;

import java.util.Map;

/**
 * One page of a table's live keys.
 *
 * @param entries the keys in key order (by their UTF-8 bytes, as the server orders them)
 * @param next    what to pass as {@code after} for the next page; null on the last one
 */
public record Page(Map<String, Entry> entries, String next) {

    public Page {
        entries = java.util.Collections.unmodifiableMap(entries);
    }
}
