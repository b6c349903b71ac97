package rtkv.infra;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A raw WebSocket subscription to one table that keeps every text frame it receives, in order, and
 * sends the heartbeats the server expects. {@code ./rtkv watch} prints the frames; tests assert on them.
 * {@link #stopReading()} stops taking frames off the socket, as a stalled browser tab would.
 */
public final class TableSubscription implements AutoCloseable {

    public static final Duration HEARTBEAT = Duration.ofSeconds(10);

    private final List<String> frames = new ArrayList<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final Consumer<String> onFrame;
    private final Object sending = new Object();
    private final ScheduledExecutorService heartbeats =
            Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "subscription-heartbeats");
                thread.setDaemon(true);
                return thread;
            });
    private volatile boolean reading = true;
    private WebSocket socket;

    private TableSubscription(Consumer<String> onFrame) {
        this.onFrame = onFrame;
    }

    /**
     * @param fanoutUrl for example ws://127.0.0.1:8081
     * @param key       the API key to subscribe with, sent as Authorization: Bearer KEY
     */
    public static TableSubscription open(String fanoutUrl, String table, String key) {
        return open(HttpClient.newHttpClient(), fanoutUrl, table, key, null, HEARTBEAT, frame -> { });
    }

    public static TableSubscription open(String fanoutUrl, String table, String key, Consumer<String> onFrame) {
        return open(HttpClient.newHttpClient(), fanoutUrl, table, key, null, HEARTBEAT, onFrame);
    }

    /**
     * @param key       the API key, sent as Authorization: Bearer KEY; null sends none
     * @param resume    a resume token, or null for a new subscription
     * @param heartbeat how often to send {"type":"heartbeat"}; null sends none, as a broken client would
     */
    public static TableSubscription open(HttpClient http, String fanoutUrl, String table, String key, String resume,
                                         Duration heartbeat, Consumer<String> onFrame) {
        String query = resume == null ? "" : "?resume=" + segment(resume);
        return open(http, URI.create(fanoutUrl + "/v1/tables/" + segment(table) + "/subscribe" + query), key,
                heartbeat, onFrame);
    }

    /** As above, at a subscription address built by the caller, with whatever parameters it wants to try. */
    public static TableSubscription open(HttpClient http, URI uri, String key, Duration heartbeat,
                                         Consumer<String> onFrame) {
        TableSubscription subscription = new TableSubscription(onFrame);
        try {
            WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
            if (key != null) {
                builder.header("Authorization", "Bearer " + key);
            }
            subscription.socket = builder
                    .buildAsync(uri, subscription.new Listener())
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new LauncherException("cannot subscribe at " + uri + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new LauncherException("cannot subscribe at " + uri + ": no answer within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted while subscribing at " + uri, e);
        }
        if (heartbeat != null) {
            try {
                subscription.heartbeats.scheduleAtFixedRate(() -> subscription.send("{\"type\":\"heartbeat\"}"),
                        heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // already closed by the server: nothing to keep alive
            }
        }
        return subscription;
    }

    private static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Every text frame received so far, oldest first. */
    public synchronized List<String> frames() {
        return List.copyOf(frames);
    }

    /** Completes with "CODE REASON" when the server closes the connection. */
    public CompletableFuture<String> closed() {
        return closed;
    }

    /** Sends a text frame as a client would; failures show up as a close. */
    public void send(String text) {
        synchronized (sending) {
            if (!socket.isOutputClosed()) {
                socket.sendText(text, true).exceptionally(e -> null).join();
            }
        }
    }

    /** Takes no more frames off the socket: the server's writes back up, as with a stalled reader. */
    public void stopReading() {
        reading = false;
    }

    /** Takes frames off the socket again after {@link #stopReading()}. */
    public void resumeReading() {
        reading = true;
        socket.request(1);
    }

    @Override
    public void close() {
        heartbeats.shutdownNow();
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                synchronized (TableSubscription.this) {
                    frames.add(frame);
                }
                onFrame.accept(frame);
            }
            if (reading) {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            heartbeats.shutdownNow();
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            heartbeats.shutdownNow();
            closed.complete("error " + error);
        }
    }
}
