package rtkv.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChangeEventJsonTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static Schema schema() throws Exception {
        try (InputStream in = ChangeEventJson.class.getResourceAsStream("/rtkv/schema/change-event.schema.json")) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        }
    }

    @Test
    void putRoundTripsWithItsValueVerbatim() {
        String value = "{\"n\":1.000000000000000000001,\"s\":\"é\\u0000\",\"a\":[1,{\"b\":null}]}";
        ChangeEvent event = new ChangeEvent("demo", "a/ü", ChangeOp.PUT, value, 7, 1_800_000_000_000L, 1_700_000_000_000L, 1, 0);

        ChangeEvent read = ChangeEventJson.read(ChangeEventJson.write(event));

        assertEquals(event, read);
    }

    @Test
    void deleteRoundTripsWithNullValue() {
        ChangeEvent event = new ChangeEvent("t.1", "k", ChangeOp.DELETE, null, 3, null, 0, 0, 0);

        assertEquals(event, ChangeEventJson.read(ChangeEventJson.write(event)));
    }

    @Test
    void writtenEventsMatchThePublishedSchema() throws Exception {
        Schema schema = schema();
        for (ChangeEvent event : new ChangeEvent[] {
            new ChangeEvent("demo", "a", ChangeOp.PUT, "\"text\"", 1, null, 1000, 0, 0),
            new ChangeEvent("demo", "a", ChangeOp.PUT, "null", 2, 5_000L, 1000, 0, 0),
            new ChangeEvent("demo", "a", ChangeOp.DELETE, null, 3, null, 1000, 1, 0),
            new ChangeEvent("demo", "a", ChangeOp.EXPIRE, null, 4, null, 1000, 1, 0),
        }) {
            JsonNode node = MAPPER.readTree(ChangeEventJson.write(event));
            List<com.networknt.schema.Error> errors = schema.validate(node);
            assertTrue(errors.isEmpty(), () -> event + " violates the schema: " + errors);
        }
    }

    @Test
    void putOfJsonNullRoundTrips() {
        ChangeEvent event = new ChangeEvent("t", "k", ChangeOp.PUT, "null", 2, null, 0, 0, 0);

        assertEquals(event, ChangeEventJson.read(ChangeEventJson.write(event)));
    }

    @Test
    void schemaRejectsADeleteWithAValueAndAnEventWithoutOne() throws Exception {
        Schema schema = schema();
        String putWithoutValue = "{\"table\":\"t\",\"key\":\"k\",\"op\":\"put\",\"version\":1,\"committedAt\":0,\"shard\":0,\"seq\":1}";
        String deleteWithValue = "{\"table\":\"t\",\"key\":\"k\",\"op\":\"delete\",\"value\":1,\"version\":1,\"expiresAt\":null,\"committedAt\":0,\"shard\":0,\"seq\":1}";

        assertTrue(!schema.validate(MAPPER.readTree(putWithoutValue)).isEmpty());
        assertTrue(!schema.validate(MAPPER.readTree(deleteWithValue)).isEmpty());
    }

    @Test
    void readSkipsUnknownFieldsAndRejectsGarbage() {
        byte[] withExtra = "{\"x\":{\"y\":[1]},\"table\":\"t\",\"key\":\"k\",\"op\":\"put\",\"value\":[true],\"version\":2,\"expiresAt\":null,\"committedAt\":5,\"shard\":1,\"seq\":9}"
                .getBytes(StandardCharsets.UTF_8);

        assertEquals(new ChangeEvent("t", "k", ChangeOp.PUT, "[true]", 2, null, 5, 1, 9), ChangeEventJson.read(withExtra));
        assertThrows(IllegalArgumentException.class, () -> ChangeEventJson.read("[]".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> ChangeEventJson.read("{\"table\":\"t\"}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> ChangeEventJson.read(
                "{\"table\":\"t\",\"key\":\"k\",\"op\":\"put\",\"value\":1,\"version\":1}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> ChangeEventJson.read("{\"table\":".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> ChangeEventJson.read(
                "{\"table\":\"t\",\"key\":\"k\",\"op\":\"delete\",\"value\":1,\"version\":1,\"expiresAt\":null,\"committedAt\":0,\"shard\":0,\"seq\":1}"
                        .getBytes(StandardCharsets.UTF_8)));
    }
}
