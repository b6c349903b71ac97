package rtkv.fanout;

import static rtkv.schema.JsonText.object;

import java.util.List;
import java.util.Map;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ErrorCode;
import rtkv.schema.JsonText;

/** The JSON text frames a subscriber receives. A client applies snapshots and changes, in order. */
final class Frames {

    static final String HEARTBEAT = object(g -> g.writeStringField("type", "heartbeat"));
    /** On a stream, after {@code unsubscribe}: nothing more comes for that id. */
    static final String UNSUBSCRIBED = object(g -> g.writeStringField("type", "unsubscribed"));

    private Frames() {
    }

    /**
     * One chunk of a table's contents. The last chunk carries the token of the state the chunks add up
     * to; changes after it follow.
     */
    static String snapshot(List<Map.Entry<String, Entry>> entries, boolean last, String token) {
        return object(g -> {
            g.writeStringField("type", "snapshot");
            g.writeArrayFieldStart("entries");
            for (Map.Entry<String, Entry> entry : entries) {
                g.writeStartObject();
                g.writeStringField("key", entry.getKey());
                JsonText.writeValue(g, "value", entry.getValue().value());
                g.writeNumberField("version", entry.getValue().version());
                JsonText.writeNumberOrNull(g, "expiresAt", entry.getValue().expiresAt());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeBooleanField("last", last);
            if (last) {
                g.writeStringField("token", token);
            }
        });
    }

    /** Built once per change, then written to every subscriber of its table. */
    static String change(ChangeEvent event, String token) {
        return object(g -> {
            g.writeStringField("type", "change");
            g.writeStringField("op", event.op().wire());
            g.writeStringField("key", event.key());
            JsonText.writeValue(g, "value", event.value());
            g.writeNumberField("version", event.version());
            JsonText.writeNumberOrNull(g, "expiresAt", event.expiresAt());
            g.writeStringField("token", token);
        });
    }

    /** The resume token was accepted: the changes missed since it follow, then live ones. */
    static String resumed(String token) {
        return object(g -> {
            g.writeStringField("type", "resumed");
            g.writeStringField("token", token);
        });
    }

    /** Forget the table's state: a fresh snapshot follows, or the connection closes and the client reconnects. */
    static String resync(String reason) {
        return object(g -> {
            g.writeStringField("type", "resync");
            g.writeStringField("reason", reason);
        });
    }

    /**
     * Subscribe again at {@code node} (a base URL such as ws://10.0.0.7:8081), resuming from the last
     * token; when {@code node} is null, at the address the client was given, which sends it on.
     */
    static String moved(String node, String message) {
        return object(g -> {
            g.writeStringField("type", "moved");
            if (node == null) {
                g.writeNullField("node");
            } else {
                g.writeStringField("node", node);
            }
            g.writeStringField("message", message);
        });
    }

    /** The length of {@code text} in UTF-8, which is what a connection queues. */
    static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** How many subscribers the table has on this node. */
    static String presence(int subscribers) {
        return object(g -> {
            g.writeStringField("type", "presence");
            g.writeNumberField("subscribers", subscribers);
        });
    }

    /**
     * A frame of one subscription on a stream: {@code frame} with the subscription's {@code id} first, or
     * {@code frame} itself when {@code id} is null (about the connection). An id has no character JSON
     * would escape ({@link StreamRequest}).
     */
    static String withId(String id, String frame) {
        return id == null ? frame : "{\"id\":\"" + id + "\"," + frame.substring(1);
    }

    static String error(ErrorCode code, String message) {
        return object(g -> {
            g.writeStringField("type", "error");
            g.writeStringField("error", code.code());
            g.writeStringField("message", message);
        });
    }
}
