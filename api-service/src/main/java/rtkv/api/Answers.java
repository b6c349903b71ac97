package rtkv.api;

import static rtkv.schema.JsonText.object;

import rtkv.schema.JsonText;

/** The JSON bodies api-service answers with. Values are stored as JSON text and embedded verbatim. */
final class Answers {

    private Answers() {
    }

    static String written(String key, long version) {
        return object(g -> {
            g.writeStringField("key", key);
            g.writeNumberField("version", version);
            g.writeNullField("expiresAt");
        });
    }

    static String entry(String key, String value, long version) {
        return object(g -> {
            g.writeStringField("key", key);
            JsonText.writeValue(g, "value", value);
            g.writeNumberField("version", version);
            g.writeNullField("expiresAt");
        });
    }

    static String deleted(String key, long version) {
        return object(g -> {
            g.writeStringField("key", key);
            g.writeNumberField("version", version);
        });
    }

    static String error(String code, String message) {
        return object(g -> {
            g.writeStringField("error", code);
            g.writeStringField("message", message);
        });
    }

    static String status(String status) {
        return object(g -> g.writeStringField("status", status));
    }
}
