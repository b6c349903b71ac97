package rtkv.schema;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON form of a {@link ChangeEvent}, as documented by {@code rtkv/schema/change-event.schema.json}:
 * {@code {"table","key","op","value","version","expiresAt","committedAt","shard","seq"}}. The value is embedded as JSON,
 * copied verbatim, never re-encoded through a tree.
 */
public final class ChangeEventJson {

    private ChangeEventJson() {
    }

    public static byte[] write(ChangeEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + (event.value() == null ? 0 : event.value().length()));
        try (JsonGenerator g = JsonText.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("table", event.table());
            g.writeStringField("key", event.key());
            g.writeStringField("op", event.op().wire());
            JsonText.writeValue(g, "value", event.value());
            g.writeNumberField("version", event.version());
            JsonText.writeNumberOrNull(g, "expiresAt", event.expiresAt());
            g.writeNumberField("committedAt", event.committedAt());
            g.writeNumberField("shard", event.shard());
            g.writeNumberField("seq", event.seq());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Reads one event. Unknown fields are skipped, so consumers keep working when fields are added.
     *
     * @throws IllegalArgumentException when the bytes are not a change event
     */
    public static ChangeEvent read(byte[] json) {
        String table = null;
        String key = null;
        ChangeOp op = null;
        String valueText = null;
        Long version = null;
        Long expiresAt = null;
        boolean hasExpiresAt = false;
        Long committedAt = null;
        Integer shard = null;
        Long seq = null;
        try (JsonParser p = JsonText.FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("a change event is a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken token = p.nextToken();
                switch (field) {
                    case "table" -> table = p.getValueAsString();
                    case "key" -> key = p.getValueAsString();
                    case "op" -> op = ChangeOp.fromWire(p.getValueAsString());
                    case "value" -> valueText = JsonText.copyValue(p);
                    case "version" -> version = p.getLongValue();
                    case "expiresAt" -> {
                        hasExpiresAt = true;
                        expiresAt = token == JsonToken.VALUE_NULL ? null : p.getLongValue();
                    }
                    case "committedAt" -> committedAt = p.getLongValue();
                    case "shard" -> shard = p.getIntValue();
                    case "seq" -> seq = p.getLongValue();
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not a change event: " + e.getMessage(), e);
        }
        if (table == null || key == null || op == null || valueText == null || version == null || !hasExpiresAt
                || committedAt == null || shard == null || seq == null) {
            throw new IllegalArgumentException(
                    "a change event needs table, key, op, value, version, expiresAt, committedAt, shard and seq");
        }
        if (op != ChangeOp.PUT && !valueText.equals("null")) {
            throw new IllegalArgumentException("a " + op.wire() + " event carries a null value");
        }
        return new ChangeEvent(table, key, op, op == ChangeOp.PUT ? valueText : null, version, expiresAt, committedAt,
                shard, seq);
    }
}
