package rtkv.client;

import java.net.http.WebSocket;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Reads one connection's text frames, joined from their parts, and reports its end once per way it is
 * noticed (the caller makes that once in all).
 */
final class FrameReader implements WebSocket.Listener {

    private final Consumer<String> onFrame;
    private final Runnable onLost;
    private final StringBuilder partial = new StringBuilder();

    FrameReader(Consumer<String> onFrame, Runnable onLost) {
        this.onFrame = onFrame;
        this.onLost = onLost;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String frame = partial.toString();
            partial.setLength(0);
            onFrame.accept(frame);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        onLost.run();
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        onLost.run();
    }
}
