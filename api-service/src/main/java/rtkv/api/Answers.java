package rtkv.api;

import static rtkv.schema.JsonText.object;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;
import rtkv.api.store.AnswerText;
import rtkv.api.store.Entry;
import rtkv.api.store.KeyDirectory;
import rtkv.auth.KeyRecord;
import rtkv.auth.Scope;
import rtkv.schema.ErrorCode;
import rtkv.schema.JsonText;

/** The JSON bodies api-service answers with. Values are stored as JSON text and embedded verbatim. */
final class Answers {

    /** A write's answers, as the store keeps them beside an Idempotency-Key. */
    static final AnswerText TEXT = new AnswerText() {
        @Override
        public String entry(Entry entry) {
            return Answers.entry(entry);
        }

        @Override
        public String deleted(Entry entry) {
            return Answers.deleted(entry);
        }

        @Override
        public String results(List<Entry> results) {
            return Answers.results(results);
        }
    };

    private Answers() {
    }

    /** {@code {"key","value"?,"version","expiresAt"}}: the value only where the answer has one. */
    static String entry(Entry entry) {
        return object(g -> fields(g, entry));
    }

    static String deleted(Entry entry) {
        return object(g -> {
            g.writeStringField("key", entry.key());
            g.writeNumberField("version", entry.version());
        });
    }

    /** A page of a listing; {@code next} is the {@code after} of the following page, null on the last one. */
    static String page(List<Entry> entries, String next) {
        return object(g -> {
            entries(g, "keys", entries);
            g.writeStringField("next", next);
        });
    }

    /** The outcome of each operation of a batch, in request order. */
    static String results(List<Entry> results) {
        return object(g -> entries(g, "results", results));
    }

    static String error(ErrorCode code, String message, boolean hasCurrentVersion, Long currentVersion, Integer operation) {
        return object(g -> {
            g.writeStringField("error", code.code());
            g.writeStringField("message", message);
            if (hasCurrentVersion) {
                JsonText.writeNumberOrNull(g, "currentVersion", currentVersion);
            }
            if (operation != null) {
                g.writeNumberField("operation", operation);
            }
        });
    }

    static String error(ErrorCode code, String message) {
        return error(code, message, false, null, null);
    }

    /** A key just created: the whole key, shown this once. */
    static String createdKey(KeyDirectory.Created created) {
        return object(g -> {
            g.writeStringField("id", created.id());
            g.writeStringField("key", created.key());
            keyFields(g, created.record());
        });
    }

    static String key(KeyDirectory.Stored stored) {
        return object(g -> {
            g.writeStringField("id", stored.id());
            keyFields(g, stored.record());
        });
    }

    static String keys(List<KeyDirectory.Stored> keys, String next) {
        return object(g -> {
            g.writeArrayFieldStart("keys");
            for (KeyDirectory.Stored stored : keys) {
                g.writeStartObject();
                g.writeStringField("id", stored.id());
                keyFields(g, stored.record());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("next", next);
        });
    }

    /** Everything about a key but its secret's hash. */
    private static void keyFields(JsonGenerator g, KeyRecord record) throws IOException {
        g.writeStringField("name", record.name());
        g.writeArrayFieldStart("scopes");
        for (Scope scope : record.scopes()) {
            g.writeString(scope.toString());
        }
        g.writeEndArray();
        g.writeNumberField("createdAt", record.createdAt());
        JsonText.writeNumberOrNull(g, "expiresAt", record.expiresAt());
        JsonText.writeNumberOrNull(g, "revokedAt", record.revokedAt());
        JsonText.writeNumberOrNull(g, "rateLimit", record.rateLimit() == null ? null : record.rateLimit().longValue());
    }

    static String status(String status) {
        return object(g -> g.writeStringField("status", status));
    }

    private static void entries(JsonGenerator g, String field, List<Entry> entries) throws IOException {
        g.writeArrayFieldStart(field);
        for (Entry entry : entries) {
            g.writeStartObject();
            fields(g, entry);
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void fields(JsonGenerator g, Entry entry) throws IOException {
        g.writeStringField("key", entry.key());
        if (entry.value() != null) {
            JsonText.writeValue(g, "value", entry.value());
        }
        g.writeNumberField("version", entry.version());
        JsonText.writeNumberOrNull(g, "expiresAt", entry.expiresAt());
    }
}
