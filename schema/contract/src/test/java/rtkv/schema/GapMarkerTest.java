package rtkv.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GapMarkerTest {

    private final GapMarker marker = new GapMarker(1, 4242, 1_700_000_000_000L, "binlog purged: \"0-1-17\" is gone");

    @Test
    void roundTripsAndMatchesThePublishedSchema() throws Exception {
        assertEquals(Optional.of(marker), GapMarker.of(null, marker.toJson()));
        try (InputStream in = GapMarker.class.getResourceAsStream("/rtkv/schema/gap-marker.schema.json")) {
            Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
            assertEquals(java.util.List.of(), schema.validate(new ObjectMapper().readTree(marker.toJson())));
        }
    }

    @Test
    void onlyAKeylessRecordOfTypeGapIsAMarker() {
        assertEquals(Optional.empty(), GapMarker.of("demo", marker.toJson()), "a record with a key is a change");
        ChangeEvent change = new ChangeEvent("t", "k", ChangeOp.PUT, "1", 1, null, 0, 0, 0);
        assertEquals(Optional.empty(), GapMarker.of(null, ChangeEventJson.write(change)));
        assertEquals(Optional.empty(), GapMarker.of(null, "{\"type\":\"gap\",\"shard\":1}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Optional.empty(), GapMarker.of(null, "not json".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Optional.empty(), GapMarker.of(null, null));
        assertTrue(GapMarker.of(null, "{\"type\":\"gap\",\"shard\":0,\"seq\":0,\"committedAt\":0,\"reason\":\"r\",\"more\":[1]}"
                .getBytes(StandardCharsets.UTF_8)).isPresent(), "unknown fields are skipped");
    }
}
