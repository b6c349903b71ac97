package rtkv.e2e;

import java.io.PrintStream;
import java.util.Map;
import java.util.SortedMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import rtkv.client.Batch;
import rtkv.client.Change;
import rtkv.client.Entry;
import rtkv.client.Listener;
import rtkv.client.RtkvClient;
import rtkv.client.RtkvException;
import rtkv.client.Subscription;
import rtkv.client.Table;
import rtkv.client.Write;
import rtkv.client.Written;

/**
 * The Java SDK's example in README, word for word between the markers ({@link ReadmeExampleTest} holds
 * README to it); {@link JavaSdkIT} runs it against the real cluster and checks what it printed.
 */
final class JavaSdkExample {

    private JavaSdkExample() {
    }

    /** @param out where the example prints, System.out in README */
    static void run(String apiUrl, String fanoutUrl, String key, String table, PrintStream out) throws Exception {
        // README example begins
        try (RtkvClient rtkv = RtkvClient.builder().api(apiUrl).fanout(fanoutUrl).apiKey(key).build()) {
            Table scores = rtkv.table(table);
            Written ann = scores.put("ann", Map.of("points", 10));
            scores.put("ann", Map.of("points", 12), Write.options().ifVersion(ann.version()));
            try {
                scores.put("ann", Map.of("points", 99), Write.options().ifVersion(ann.version()));
            } catch (RtkvException e) {
                out.println(e.code() + ", ann is at version " + e.currentVersion()); // version_mismatch, ... 2
            }
            // An idempotency key lets the client retry a write whose answer was lost: it is applied once.
            scores.incr("claps", 1, Write.options().idempotencyKey(UUID.randomUUID().toString()));
            scores.batch(Batch.of().put("bob", Map.of("points", 3)).delete("ann"));

            CompletableFuture<SortedMap<String, Entry>> loaded = new CompletableFuture<>();
            CompletableFuture<Change> next = new CompletableFuture<>();
            try (Subscription live = scores.subscribe().prefix("b").listener(new Listener() {
                @Override
                public void onSnapshot(SortedMap<String, Entry> keys) {
                    loaded.complete(keys);
                }

                @Override
                public void onChange(Change change) {
                    next.complete(change);
                }
            }).open()) {
                out.println("loaded: " + loaded.get(30, TimeUnit.SECONDS).keySet());
                scores.put("bob", Map.of("points", 4));
                Change change = next.get(30, TimeUnit.SECONDS);
                out.println(change.key() + " " + change.value() + " at version " + change.version());
                out.println("held: " + live.entries().keySet());
            }
            out.println("claps " + scores.get("claps").orElseThrow().value());
        }
        // README example ends
    }
}
