package rtkv.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** The JSON bodies api-service answers with. Values are stored as JSON text and embedded verbatim. */
final class Answers {

    private static final JsonFactory JSON = new JsonFactory();

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
            g.writeFieldName("value");
            g.writeRawValue(value);
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

    private interface Fields {
        void write(JsonGenerator generator) throws IOException;
    }

    private static String object(Fields fields) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
