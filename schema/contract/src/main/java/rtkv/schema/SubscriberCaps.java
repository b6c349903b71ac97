package rtkv.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The rules of subscriber caps, shared by api-service (which refuses a bad one when it is written to
 * {@code rtkv.settings}) and the fanout nodes (which apply them). A cap is set for a table by its name, or
 * for every table whose name begins with a prefix by that prefix and a trailing {@code *} ({@code article.*},
 * or {@code *} for every table). The most specific applies: the table's own, then the longest prefix.
 */
public final class SubscriberCaps {

    /** The table of run-time settings; key TABLE or PATTERN holds {@code {"maxSubscribers": N}}. */
    public static final String SETTINGS_TABLE = "rtkv.settings";
    public static final int MAX_CAP = 999_999_999;

    private SubscriberCaps() {
    }

    /** Whether a settings key is a pattern ({@code PREFIX*}) rather than one table's name. */
    private static boolean isPattern(String key) {
        return key.endsWith("*");
    }

    /** What is wrong with {@code key} as the name a cap is set for, worded for the client; empty when it is good. */
    public static Optional<String> nameProblem(String key, int maxTableName) {
        if (key == null || !isPattern(key)) {
            return Names.tableProblem(key, maxTableName);
        }
        String prefix = key.substring(0, key.length() - 1);
        // "*" alone is every table; else the part before the star follows a table name's rules.
        return prefix.isEmpty() ? Optional.empty() : Names.tableProblem(prefix, maxTableName).map(problem -> "a pattern is"
                + " the beginning of a table name (at most " + maxTableName + " characters of A-Z, a-z, 0-9, '_', '.' and"
                + " '-') and one trailing '*', as in article.*; in " + key + ", " + problem);
    }

    /**
     * The cap {@code json} sets: its {@code maxSubscribers}, whatever else it holds, since a node reads what
     * may have been written before api-service checked caps ({@link #problem} is the check for a write);
     * empty when it sets none.
     */
    public static OptionalInt cap(String json) {
        try {
            String n = JsonText.parseObject(json).get("maxSubscribers");
            return n != null && n.matches("\\d{1,9}") ? OptionalInt.of(Integer.parseInt(n)) : OptionalInt.empty();
        } catch (JsonText.InvalidJsonException e) {
            return OptionalInt.empty();
        }
    }

    /** What is wrong with {@code json} as a cap; empty when it is {@code {"maxSubscribers": N}} with N from 0 to MAX_CAP. */
    public static Optional<String> problem(String json) {
        Map<String, String> fields;
        try {
            fields = JsonText.parseObject(json);
        } catch (JsonText.InvalidJsonException e) {
            fields = null;
        }
        String n = fields == null ? null : fields.get("maxSubscribers");
        if (fields == null || fields.size() != 1 || n == null || !n.matches("\\d{1,9}")) {
            return Optional.of("a subscriber cap is {\"maxSubscribers\": N}, N a whole number from 0 to " + MAX_CAP
                    + "; not " + json);
        }
        return Optional.empty();
    }

    /**
     * The cap of {@code table}: the most specific name among {@link #candidates} with a cap, the value of
     * {@code settings} (run time, a JSON text or null) before {@code configured} at each name, else
     * {@code fallback}. A setting that sets no cap is passed over, and {@code passedOver} told of it.
     */
    public static int resolve(String table, Function<String, String> settings, Map<String, Integer> configured,
                              int fallback, BiConsumer<String, String> passedOver) {
        for (String name : candidates(table)) {
            String setting = settings.apply(name);
            if (setting != null) {
                OptionalInt cap = cap(setting);
                if (cap.isPresent()) {
                    return cap.getAsInt();
                }
                passedOver.accept(name, setting);
            }
            Integer cap = configured.get(name);
            if (cap != null) {
                return cap;
            }
        }
        return fallback;
    }

    /** The names a cap of {@code table} may be set under, the most specific first: the table, then its prefixes' patterns. */
    public static List<String> candidates(String table) {
        List<String> names = new ArrayList<>(table.length() + 1);
        names.add(table);
        for (int length = table.length(); length >= 0; length--) {
            names.add(table.substring(0, length) + "*");
        }
        return names;
    }
}
