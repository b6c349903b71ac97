package rtkv.infra;

import java.io.PrintStream;
import java.util.concurrent.ExecutionException;

/** {@code ./rtkv watch TABLE}: subscribes to a table and prints every frame, one per line. */
final class Watch {

    private Watch() {
    }

    static void run(String fanoutUrl, String table, String key, PrintStream out) {
        try (TableSubscription subscription = TableSubscription.open(fanoutUrl, table, key, out::println)) {
            System.err.println("rtkv: watching table " + table + " at " + fanoutUrl + " (Ctrl-C stops)");
            System.err.println("rtkv: closed by the server: " + subscription.closed().get());
        } catch (ExecutionException e) {
            throw new LauncherException("watching " + table + " failed: " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
