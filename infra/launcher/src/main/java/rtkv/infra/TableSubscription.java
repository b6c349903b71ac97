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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A plain WebSocket subscription to one table that keeps every text frame it receives, in order.
 * {@code ./rtkv watch} prints them; tests assert on them. {@link #stopReading()} stops taking frames
 * off the socket, as a stalled browser tab would.
 */
public final class TableSubscription implements AutoCloseable {

    private final List<String> frames = new ArrayList<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final Consumer<String> onFrame;
    private volatile boolean reading = true;
    private WebSocket socket;

    private TableSubscription(Consumer<String> onFrame) {
        this.onFrame = onFrame;
    }

    /** @param fanoutUrl for example ws://127.0.0.1:8081 */
    public static TableSubscription open(String fanoutUrl, String table) {
        return open(fanoutUrl, table, frame -> { });
    }

    public static TableSubscription open(String fanoutUrl, String table, Consumer<String> onFrame) {
        String segment = URLEncoder.encode(table, StandardCharsets.UTF_8).replace("+", "%20");
        URI uri = URI.create(fanoutUrl + "/v1/tables/" + segment + "/subscribe");
        TableSubscription subscription = new TableSubscription(onFrame);
        try {
            subscription.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
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
        return subscription;
    }

    /** Every text frame received so far, oldest first. */
    public synchronized List<String> frames() {
        return List.copyOf(frames);
    }

    /** Completes with "CODE REASON" when the server closes the connection. */
    public CompletableFuture<String> closed() {
        return closed;
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
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete("error " + error);
        }
    }
}
