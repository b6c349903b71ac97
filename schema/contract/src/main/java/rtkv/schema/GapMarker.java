package rtkv.schema;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * A record without a key on topic {@code rtkv.changes}: the relay of {@code shard} could not stream
 * every change, because the binlog it needed was purged, and this marker stands where the missing
 * changes would have been. Every partition gets one, since the shard's tables are spread over all of
 * them. A consumer holding any table of that shard must read it again from MySQL (fanout nodes tell
 * their subscribers {@code resync}); changes after the marker continue from the shard's position at
 * {@code seq}. The contract is {@code rtkv/schema/gap-marker.schema.json}.
 *
 * @param shard       the shard whose changes are missing
 * @param seq         the domain-0 GTID sequence the relay streams after from now on
 * @param committedAt when the relay noticed the gap, milliseconds since the epoch
 * @param reason      what happened, for people
 */
public record GapMarker(int shard, long seq, long committedAt, String reason) {

    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JsonText.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", "gap");
            g.writeNumberField("shard", shard);
            g.writeNumberField("seq", seq);
            g.writeNumberField("committedAt", committedAt);
            g.writeStringField("reason", reason);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The marker a record's value holds, or empty when it is not one (a record with a key never is). */
    public static Optional<GapMarker> of(String recordKey, byte[] value) {
        if (recordKey != null || value == null) {
            return Optional.empty();
        }
        String type = null;
        Integer shard = null;
        Long seq = null;
        Long committedAt = null;
        String reason = "";
        try (JsonParser p = JsonText.FACTORY.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "type" -> type = p.getValueAsString();
                    case "shard" -> shard = p.getIntValue();
                    case "seq" -> seq = p.getLongValue();
                    case "committedAt" -> committedAt = p.getLongValue();
                    case "reason" -> reason = p.getValueAsString();
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!"gap".equals(type) || shard == null || seq == null || committedAt == null) {
            return Optional.empty();
        }
        return Optional.of(new GapMarker(shard, seq, committedAt, reason));
    }
}
