package rtkv.api;

import static rtkv.schema.JsonText.object;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;
import rtkv.schema.JsonText;

/** The JSON bodies api-service answers with. Values are stored as JSON text and embedded verbatim. */
final class Answers {

    private Answers() {
    }

    /** {@code {"key","value"?,"version","expiresAt"}}: the value only where the answer has one. */
    static String entry(KeySql.Entry entry) {
        return object(g -> fields(g, entry));
    }

    static String deleted(KeySql.Entry entry) {
        return object(g -> {
            g.writeStringField("key", entry.key());
            g.writeNumberField("version", entry.version());
        });
    }

    /** A page of a listing; {@code next} is the {@code after} of the following page, null on the last one. */
    static String page(List<KeySql.Entry> entries, String next) {
        return object(g -> {
            entries(g, "keys", entries);
            g.writeStringField("next", next);
        });
    }

    /** The outcome of each operation of a batch, in request order. */
    static String results(List<KeySql.Entry> results) {
        return object(g -> entries(g, "results", results));
    }

    static String error(String code, String message, boolean hasCurrentVersion, Long currentVersion, Integer operation) {
        return object(g -> {
            g.writeStringField("error", code);
            g.writeStringField("message", message);
            if (hasCurrentVersion) {
                JsonText.writeNumberOrNull(g, "currentVersion", currentVersion);
            }
            if (operation != null) {
                g.writeNumberField("operation", operation);
            }
        });
    }

    static String error(String code, String message) {
        return error(code, message, false, null, null);
    }

    static String status(String status) {
        return object(g -> g.writeStringField("status", status));
    }

    private static void entries(JsonGenerator g, String field, List<KeySql.Entry> entries) throws IOException {
        g.writeArrayFieldStart(field);
        for (KeySql.Entry entry : entries) {
            g.writeStartObject();
            fields(g, entry);
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void fields(JsonGenerator g, KeySql.Entry entry) throws IOException {
        g.writeStringField("key", entry.key());
        if (entry.value() != null) {
            JsonText.writeValue(g, "value", entry.value());
        }
        g.writeNumberField("version", entry.version());
        JsonText.writeNumberOrNull(g, "expiresAt", entry.expiresAt());
    }
}
