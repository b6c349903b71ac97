package rtkv.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/** The JSON of frames and answers: numbers keep their digits, as the server stores them. */
final class Frames {

    static final ObjectMapper JSON = new ObjectMapper()
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    static final String HEARTBEAT = "{\"type\":\"heartbeat\"}";

    private Frames() {
    }

    static JsonNode parse(String text) throws JsonProcessingException {
        return JSON.readTree(text);
    }

    /** A frame, or null for text that is not JSON (a server's frame never is; nothing to apply). */
    static JsonNode parseOrNull(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
