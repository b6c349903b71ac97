package rtkv.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The published JSON Schema of each frame a subscriber is sent ({@code rtkv/schema/frames/TYPE.schema.json}
 * in module schema), held against the frames the tests see: a frame the contract does not describe is a
 * finding, so the schemas and the node cannot drift apart unnoticed.
 */
final class FrameSchemas {

    static final List<String> TYPES = List.of("snapshot", "change", "resumed", "resync", "presence", "heartbeat", "moved",
            "error", "unsubscribed");
    private static final Map<String, Schema> SCHEMAS = load();

    private FrameSchemas() {
    }

    private static Map<String, Schema> load() {
        SchemaRegistry factory = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        Map<String, Schema> schemas = new HashMap<>();
        for (String type : TYPES) {
            try (InputStream in = FrameSchemas.class.getResourceAsStream("/rtkv/schema/frames/" + type + ".schema.json")) {
                if (in == null) {
                    throw new IllegalStateException("no schema for frame type " + type + " on the class path");
                }
                schemas.put(type, factory.getSchema(in));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Map.copyOf(schemas);
    }

    /** What is wrong with {@code frame} by its type's schema; empty when it is valid. */
    static List<String> problems(JsonNode frame) {
        Schema schema = SCHEMAS.get(frame.path("type").asText());
        if (schema == null) {
            return List.of("a frame of no known type: " + frame);
        }
        return schema.validate(frame).stream().map(com.networknt.schema.Error::getMessage).map(m -> m + " in " + frame).toList();
    }
}
