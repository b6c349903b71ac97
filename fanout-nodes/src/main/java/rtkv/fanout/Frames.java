package rtkv.fanout;

import static rtkv.schema.JsonText.object;

import rtkv.schema.ChangeEvent;
import rtkv.schema.JsonText;

/** The JSON text frames a subscriber receives. */
final class Frames {

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
            JsonText.writeValue(g, "value", event.value());
            g.writeNumberField("version", event.version());
            JsonText.writeNumberOrNull(g, "expiresAt", event.expiresAt());
        });
    }

    static String error(String code, String message) {
        return object(g -> {
            g.writeStringField("type", "error");
            g.writeStringField("error", code);
            g.writeStringField("message", message);
        });
    }
}
