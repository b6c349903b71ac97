package rtkv.infra;

import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/** {@code ./rtkv watch TABLE}: subscribes to a table and prints every frame, one per line. */
final class Watch {

    private Watch() {
    }

    static void run(String fanoutUrl, String table, PrintStream out) {
        String url = fanoutUrl + "/v1/tables/" + URLEncoder.encode(table, StandardCharsets.UTF_8) + "/subscribe";
        CompletableFuture<String> closed = new CompletableFuture<>();
        WebSocket.Listener printer = new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    out.println(partial);
                    partial.setLength(0);
                }
                socket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket socket, int status, String reason) {
                closed.complete("closed by the server: " + status + " " + reason);
                return null;
            }

            @Override
            public void onError(WebSocket socket, Throwable error) {
                closed.completeExceptionally(error);
            }
        };
        try {
            HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(url), printer).get();
            System.err.println("rtkv: watching " + url + " (Ctrl-C stops)");
            System.err.println("rtkv: " + closed.get());
        } catch (ExecutionException e) {
            throw new LauncherException("cannot watch " + url + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
