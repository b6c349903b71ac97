package rtkv.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import rtkv.infra.TableSubscription;

/** The frames a raw subscription received so far, parsed, each checked against its published schema. */
final class ReceivedFrames {

    private ReceivedFrames() {
    }

    static List<JsonNode> of(TableSubscription subscription) {
        List<JsonNode> frames = new ArrayList<>();
        for (String frame : subscription.frames()) {
            try {
                JsonNode parsed = Api.JSON.readTree(frame);
                List<String> problems = FrameSchemas.problems(parsed);
                if (!problems.isEmpty()) {
                    throw new AssertionError("a frame its schema does not describe: " + problems);
                }
                frames.add(parsed);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return frames;
    }

    static List<JsonNode> ofType(TableSubscription subscription, String type) {
        return of(subscription).stream().filter(f -> f.get("type").asText().equals(type)).toList();
    }
}
