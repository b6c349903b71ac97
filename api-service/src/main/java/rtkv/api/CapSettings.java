package rtkv.api;

import java.util.List;
import rtkv.api.store.KvStore;
import rtkv.schema.ErrorCode;
import rtkv.schema.SubscriberCaps;

/**
 * Writes to {@code rtkv.settings}, which the fanout nodes read subscriber caps from: refused with
 * {@code invalid_setting} unless the key names a table or a pattern ({@code PREFIX*}) and the value is
 * {@code {"maxSubscribers": N}}, so a mistyped cap is an error the administrator sees, not a default the
 * nodes apply in silence. Deletes and times to live are taken as they are.
 */
final class CapSettings {

    private CapSettings() {
    }

    /** A put of {@code value} (compact JSON) to {@code key} of {@code table}. */
    static void checkPut(String table, String key, String value, ApiConfig config) {
        if (!table.equals(SubscriberCaps.SETTINGS_TABLE)) {
            return;
        }
        SubscriberCaps.nameProblem(key, config.maxTableName()).or(() -> SubscriberCaps.problem(value))
                .ifPresent(problem -> {
                    throw ApiException.of(ErrorCode.INVALID_SETTING, SubscriberCaps.SETTINGS_TABLE + " holds subscriber"
                            + " caps, keyed by a table's name or a pattern such as article.*: " + problem);
                });
    }

    static void checkIncrement(String table) {
        if (table.equals(SubscriberCaps.SETTINGS_TABLE)) {
            throw ApiException.of(ErrorCode.INVALID_SETTING, SubscriberCaps.SETTINGS_TABLE + " holds subscriber caps,"
                    + " {\"maxSubscribers\": N}, which are put whole, not incremented");
        }
    }

    static void checkBatch(String table, List<KvStore.BatchOperation> operations, ApiConfig config) {
        for (int i = 0; i < operations.size(); i++) {
            KvStore.BatchOperation op = operations.get(i);
            try {
                switch (op.kind()) {
                    case PUT -> checkPut(table, op.key(), op.value(), config);
                    case INCR -> checkIncrement(table);
                    case DELETE -> {
                        // a cap removed: the next most specific applies
                    }
                }
            } catch (ApiException e) {
                throw e.atOperation(i);
            }
        }
    }
}
