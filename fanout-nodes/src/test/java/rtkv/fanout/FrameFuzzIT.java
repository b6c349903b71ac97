package rtkv.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.fanout.FanoutFixture.ADMIN_KEY;
import static rtkv.fanout.FanoutFixture.HTTP;
import static rtkv.fanout.FanoutFixture.changes;
import static rtkv.fanout.FanoutFixture.insert;
import static rtkv.fanout.FanoutFixture.ofType;
import static rtkv.fanout.FanoutFixture.parsed;
import static rtkv.fanout.FanoutFixture.publish;
import static rtkv.fanout.FanoutFixture.server;
import static rtkv.fanout.FanoutFixture.subscribed;
import static rtkv.fanout.FanoutFixture.table;
import static rtkv.fanout.FanoutFixture.url;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.TableSubscription;

/**
 * Seeded random input at the WebSocket side of a fanout node: handshakes with mangled table names,
 * resume tokens and keys, then 100,000 client frames on live subscriptions. Every garbage frame is
 * answered with exactly one {@code invalid_frame} error and the subscription goes on; a heartbeat in
 * any spelling is taken; an oversized frame closes the connection cleanly (1009); the node keeps
 * serving. {@code -Drtkv.fuzz.seed} replays a run, {@code -Drtkv.fuzz.frames} changes its length.
 */
@ExtendWith(FanoutFixture.class)
class FrameFuzzIT {

    private static final int FRAMES = Integer.getInteger("rtkv.fuzz.frames", 100_000);
    private static final int HANDSHAKES = 300;
    private static final Set<String> REFUSALS = Set.of("invalid_table", "unauthorized", "forbidden", "too_many_subscribers");
    private static final String[] HEARTBEATS = {"{\"type\":\"heartbeat\"}", " {\"type\" : \"heartbeat\"} ",
            "{\"type\":\"heartbeat\",\"at\":1}", "{\"at\":[1,{}],\"type\":\"heartbeat\"}", "\n{\"type\":\"heartbeat\"}\t"};
    private static final String[] PIECES = {"{", "}", "[", "]", "\"", ":", ",", "type", "snapshot", "change", "resync", "null",
            "true", "-0", "1e999", "\\u0000", "\\", "😀", "\u202E", "'; DROP TABLE kv; --", "\u0000", " ", "ñ"};

    private final long seed = Long.getLong("rtkv.fuzz.seed", System.nanoTime());
    private final Random random = new Random(seed);

    @Test
    void everyGarbageFrameGetsOneErrorAndTheSubscriptionGoesOn() throws Exception {
        System.out.println("FrameFuzzIT seed " + seed + " (-Drtkv.fuzz.seed=" + seed + " replays it), " + FRAMES + " frames");
        String table = table();
        insert(table, "row", "1", 1);
        TableSubscription subscription = subscribed(table);
        long garbage = 0;
        long oversized = 0;
        long closedWith1009 = 0;
        long answeredBefore = 0;
        for (int i = 1; i <= FRAMES; i++) {
            int dice = random.nextInt(10_000);
            if (dice < 2) {
                subscription.send("x".repeat(FanoutConfig.MAX_CLIENT_FRAME_BYTES + 1 + random.nextInt(500)));
                // The node closes with 1009; when it does so while the client is still writing, the client
                // may see the reset before the close frame. Closed it is, either way.
                String closed = subscription.closed().get(30, TimeUnit.SECONDS);
                assertTrue(closed.startsWith("1009 ") || closed.startsWith("error java."),
                        "an oversized frame closes the connection: " + closed + " (seed " + seed + ")");
                closedWith1009 += closed.startsWith("1009 ") ? 1 : 0;
                if (closed.startsWith("1009 ")) {
                    // The close frame follows every answer queued before it.
                    assertEquals(garbage, errors(subscription) - answeredBefore, "every garbage frame was answered before " + closed + " (seed " + seed + ")");
                } else {
                    // A reset may drop answers still in the client's buffers, never add any.
                    assertTrue(errors(subscription) - answeredBefore <= garbage, "no answer without a garbage frame (seed " + seed + ")");
                }
                oversized++;
                subscription = subscribed(table);
                answeredBefore = errors(subscription);
                garbage = 0;
                continue;
            }
            if (dice < 2_000) {
                subscription.send(HEARTBEATS[random.nextInt(HEARTBEATS.length)]);
            } else {
                subscription.send(garbage());
                garbage++;
            }
            if (i % 200 == 0) {
                // Read the answers as they come, as a client should; a client that does not is cut off as slow.
                long expected = garbage + answeredBefore;
                TableSubscription current = subscription;
                await("the answers to " + expected + " garbage frames").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(2)).until(() -> errors(current) >= expected);
            }
        }
        long expected = garbage + answeredBefore;
        TableSubscription last = subscription;
        await("the last answers").atMost(Duration.ofSeconds(60)).until(() -> errors(last) >= expected);
        assertEquals(expected, errors(last), "one error per garbage frame, none for a heartbeat (seed " + seed + ")");
        assertTrue(ofType(last, "error").stream().allMatch(e -> e.get("error").asText().equals("invalid_frame")));

        publish(table, "after", "2", 1);
        await("the subscription still streams").atMost(Duration.ofSeconds(30)).until(() -> changes(last).size() == 1);
        assertTrue(server.isReady(), "the node is still serving");
        System.out.println("FrameFuzzIT: " + FRAMES + " frames, " + oversized + " oversized, " + closedWith1009
                + " of those answered 1009 before the reset");
        last.close();
    }

    @Test
    void mangledHandshakesAreAnsweredWithAFrameAndAKnownCloseNeverAFailure() throws Exception {
        String table = table();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < HANDSHAKES; i++) {
            String name = random.nextInt(3) == 0 ? table : text(150);
            String key = switch (random.nextInt(4)) {
                case 0 -> null;
                case 1 -> ascii(60);
                case 2 -> ADMIN_KEY.substring(0, random.nextInt(ADMIN_KEY.length()));
                default -> ADMIN_KEY;
            };
            String resume = random.nextInt(2) == 0 ? null : token();
            TableSubscription attempt;
            try {
                attempt = TableSubscription.open(HTTP, url(), name, key, resume, null, frame -> { });
            } catch (RuntimeException e) {
                // No table at all is no route: the upgrade is refused with a 404, there is no socket to write to.
                if (!name.isEmpty()) {
                    wrong.add(name + " / " + resume + ": could not connect: " + e.getMessage());
                }
                continue;
            }
            try (attempt) {
                await().atMost(Duration.ofSeconds(30)).until(() -> !attempt.frames().isEmpty());
                JsonNode first = parsed(attempt).get(0);
                String type = first.get("type").asText();
                boolean fine = switch (type) {
                    case "snapshot", "resumed", "resync" -> key != null && key.equals(ADMIN_KEY);
                    case "error" -> REFUSALS.contains(first.get("error").asText())
                            && attempt.closed().get(30, TimeUnit.SECONDS).matches("(1008|4401|4403|4429) .*");
                    default -> false;
                };
                if (!fine) {
                    wrong.add(name + " / " + key + " / " + resume + ": " + attempt.frames());
                }
            }
        }
        assertTrue(wrong.isEmpty(), "seed " + seed + ":\n" + String.join("\n", wrong));
        assertTrue(server.isReady());
    }

    private static long errors(TableSubscription subscription) {
        return subscription.frames().stream().filter(f -> f.startsWith("{\"type\":\"error\"")).count();
    }

    /** Anything but a heartbeat, some of it very nearly one. */
    private String garbage() {
        String frame;
        do {
            frame = switch (random.nextInt(5)) {
                case 0 -> text(300);
                case 1 -> "[".repeat(random.nextInt(4_000));
                case 2 -> {
                    StringBuilder pieces = new StringBuilder();
                    int n = random.nextInt(40);
                    for (int i = 0; i < n; i++) {
                        pieces.append(PIECES[random.nextInt(PIECES.length)]);
                    }
                    yield pieces.toString();
                }
                case 3 -> "{\"type\":\"" + text(20) + "\"}";
                default -> "{\"type\":\"heartbeat\"" + PIECES[random.nextInt(PIECES.length)] + "}";
            };
        } while (isHeartbeat(frame) || frame.getBytes(StandardCharsets.UTF_8).length > FanoutConfig.MAX_CLIENT_FRAME_BYTES);
        return frame;
    }

    /** A mangled heartbeat may still be one (a space added): those are not garbage. */
    private static boolean isHeartbeat(String frame) {
        try {
            return "\"heartbeat\"".equals(rtkv.schema.JsonText.parseObject(frame).get("type"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private String token() {
        return switch (random.nextInt(3)) {
            case 0 -> text(40);
            case 1 -> "1." + text(8) + "." + random.nextInt(8) + "." + (random.nextLong() % 1000) + ".0." + random.nextInt(100);
            default -> "1.x.0.5.0.5";
        };
    }

    private String ascii(int max) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(max + 1);
        for (int i = 0; i < length; i++) {
            text.append((char) (0x21 + random.nextInt(0x5e)));
        }
        return text.toString();
    }

    private String text(int max) {
        int length = random.nextInt(max + 1);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.appendCodePoint(random.nextInt(10) < 8 ? 0x20 + random.nextInt(0x5f) : 0xa0 + random.nextInt(0xd700));
        }
        return text.toString();
    }
}
