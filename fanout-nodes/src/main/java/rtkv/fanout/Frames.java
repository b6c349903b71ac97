package rtkv.fanout;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import rtkv.schema.ChangeEvent;

/** The JSON text frames a subscriber receives. */
final class Frames {

    private static final JsonFactory JSON = new JsonFactory();

    private Frames() {
    }

    /** First frame of every subscription: changes committed after the client reads it will arrive. */
    static String subscribed(String table) {
        return object(g -> {
            g.writeStringField("type", "subscribed");
            g.writeStringField("table", table);
        });
    }

    /** Built once per change, then written to every subscriber of its table. */
    static String change(ChangeEvent event) {
        return object(g -> {
            g.writeStringField("type", "change");
            g.writeStringField("op", event.op().wire());
            g.writeStringField("key", event.key());
            g.writeFieldName("value");
            if (event.value() == null) {
                g.writeNull();
            } else {
                g.writeRawValue(event.value());
            }
            g.writeNumberField("version", event.version());
        });
    }

    static String error(String code, String message) {
        return object(g -> {
            g.writeStringField("type", "error");
            g.writeStringField("error", code);
            g.writeStringField("message", message);
        });
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
