package rtkv.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.InputStream;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The published schema of each subscription frame, against frames as a node sends them and forged ones. */
class FrameSchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "1.Xq3vTzbSQpeZ0d9fK2r1wA.3.1042.0.77";

    private static Set<?> problems(String frame) throws Exception {
        String type = JSON.readTree(frame).get("type").asText();
        try (InputStream in = FrameSchemasTest.class.getResourceAsStream("/rtkv/schema/frames/" + type + ".schema.json")) {
            Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
            return new java.util.HashSet<>(schema.validate(JSON.readTree(frame)));
        }
    }

    @Test
    void framesAsANodeSendsThemAreValidWithAndWithoutAnId() throws Exception {
        for (String frame : List.of(
                "{\"type\":\"snapshot\",\"entries\":[{\"key\":\"a\",\"value\":{\"n\":1},\"version\":3,\"expiresAt\":null}],"
                        + "\"last\":true,\"token\":\"" + TOKEN + "\"}",
                "{\"type\":\"snapshot\",\"entries\":[],\"last\":false}",
                "{\"type\":\"change\",\"op\":\"put\",\"key\":\"a\",\"value\":[1,\"x\"],\"version\":4,\"expiresAt\":1700000000000,"
                        + "\"token\":\"" + TOKEN + "\"}",
                "{\"type\":\"change\",\"op\":\"delete\",\"key\":\"a\",\"value\":null,\"version\":5,\"expiresAt\":null,"
                        + "\"token\":\"1.t.0.-1.1.-1\"}",
                "{\"type\":\"resumed\",\"token\":\"" + TOKEN + "\"}",
                "{\"type\":\"resync\",\"reason\":\"too slow\"}",
                "{\"type\":\"presence\",\"subscribers\":0}",
                "{\"type\":\"heartbeat\"}",
                "{\"type\":\"moved\",\"node\":null,\"message\":\"m\"}",
                "{\"type\":\"moved\",\"node\":\"ws://10.0.0.7:8081\",\"message\":\"m\"}",
                "{\"type\":\"error\",\"error\":\"too_many_subscriptions\",\"message\":\"m\"}")) {
            assertEquals(Set.of(), problems(frame), frame);
            if (!frame.contains("heartbeat")) {
                String withId = "{\"id\":\"users:1\"," + frame.substring(1);
                assertEquals(Set.of(), problems(withId), withId);
            }
        }
        assertEquals(Set.of(), problems("{\"id\":\"u\",\"type\":\"unsubscribed\"}"));
    }

    @Test
    void forgedFramesAreNot() throws Exception {
        for (String forged : List.of(
                "{\"type\":\"snapshot\",\"entries\":[],\"last\":true}",
                "{\"type\":\"snapshot\",\"entries\":[],\"last\":false,\"token\":\"" + TOKEN + "\"}",
                "{\"type\":\"snapshot\",\"entries\":[{\"key\":\"a\",\"value\":1,\"version\":0,\"expiresAt\":null}],\"last\":false}",
                "{\"type\":\"change\",\"op\":\"delete\",\"key\":\"a\",\"value\":1,\"version\":5,\"expiresAt\":null,\"token\":\""
                        + TOKEN + "\"}",
                "{\"type\":\"change\",\"op\":\"upsert\",\"key\":\"a\",\"value\":1,\"version\":5,\"expiresAt\":null,\"token\":\""
                        + TOKEN + "\"}",
                "{\"type\":\"change\",\"op\":\"put\",\"key\":\"a\",\"value\":1,\"version\":5,\"expiresAt\":null,\"token\":\"t\"}",
                "{\"type\":\"resumed\",\"token\":\"" + TOKEN + "\",\"extra\":1}",
                "{\"type\":\"presence\",\"subscribers\":-1}",
                "{\"id\":\"s1\",\"type\":\"heartbeat\"}",
                "{\"id\":\"a b\",\"type\":\"resync\",\"reason\":\"r\"}",
                "{\"type\":\"error\",\"error\":\"oops\",\"message\":\"m\"}",
                "{\"type\":\"unsubscribed\"}")) {
            assertFalse(problems(forged).isEmpty(), "passed: " + forged);
        }
    }
}
