package rtkv.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the protocol promises of the frames themselves, whatever a client makes of them: per key, every
 * version a subscriber is sent, in a snapshot or a change, is above the last one it was sent, across
 * reconnects and resumes, until a {@code resync} tells it to forget what it holds. A plain WebSocket
 * client needs no filtering of its own. And each frame is what its published JSON Schema says
 * ({@link FrameSchemas}). Thread-safe; fed every frame of one subscriber in order.
 */
final class RawFrames {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Long> sent = new HashMap<>();
    private final List<String> findings = new ArrayList<>();
    private boolean forget = true;
    private boolean snapshotting;
    private long frames;

    synchronized void frame(String text) {
        JsonNode frame;
        try {
            frame = JSON.readTree(text);
        } catch (IOException e) {
            findings.add("a frame that is not JSON: " + text);
            return;
        }
        frames++;
        findings.addAll(FrameSchemas.problems(frame));
        switch (frame.path("type").asText()) {
            case "resync" -> forget = true;
            case "snapshot" -> {
                if (forget) {
                    // The first chunk of a snapshot after subscribing or a resync: it replaces what was held.
                    sent.clear();
                    forget = false;
                }
                frame.path("entries").forEach(entry -> sent(entry, "snapshot"));
                snapshotting = !frame.path("last").asBoolean();
            }
            case "change" -> sent(frame, frame.path("op").asText());
            default -> {
            }
        }
    }

    private void sent(JsonNode entry, String how) {
        String key = entry.path("key").asText();
        long version = entry.path("version").asLong();
        Long before = sent.put(key, version);
        if (before != null && version <= before) {
            findings.add("sent " + how + " " + key + "@" + version + " after @" + before);
        }
    }

    /**
     * The connection was lost. One lost in the middle of a snapshot has no token to resume from: the
     * client subscribes afresh, and the snapshot it gets replaces the part it had.
     */
    synchronized void connectionLost() {
        if (snapshotting) {
            forget = true;
            snapshotting = false;
        }
    }

    synchronized List<String> findings() {
        return List.copyOf(findings);
    }

    synchronized long frames() {
        return frames;
    }
}
