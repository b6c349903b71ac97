package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rtkv.infra.ClusterLayout;

/** The commands README shows, run as a user runs them: ./rtkv up --detach, status, down. */
class CliIT {

    @TempDir
    Path dataDir;

    private static RtkvCommand.Run rtkv(ClusterLayout layout, String... args) throws IOException, InterruptedException {
        return RtkvCommand.run(layout, args);
    }

    private static long running(RtkvCommand.Run status) {
        return status.output().lines().filter(line -> line.endsWith("running")).count();
    }

    @Test
    void upDetachedServesAndStreamsAndDownKeepsTheData() throws Exception {
        ClusterLayout layout = ClusterLayout.onFreePorts(dataDir, 2);
        try {
            RtkvCommand.Run up = rtkv(layout, "up", "--detach");
            assertEquals(0, up.exitCode(), up.output());
            assertTrue(up.output().contains("rtkv is up"), up.output());
            assertTrue(up.output().contains("admin key   " + layout.dataDir().resolve("admin.key")), up.output());
            assertEquals(7, running(rtkv(layout, "status")));

            String adminKey = Files.readString(layout.dataDir().resolve("admin.key")).strip();
            Api api = new Api("http://127.0.0.1:" + layout.apiPort(), adminKey);
            // The demo loader filled the empty cluster, and printed where to look.
            String base = "http://127.0.0.1:" + layout.apiPort();
            assertTrue(up.output().contains("console     " + base + "/#key=" + adminKey), up.output());
            String readerKey = Files.readString(layout.dataDir().resolve("reader.key")).strip();
            assertTrue(up.output().contains("article     " + base + "/articles/hello-rtkv#key=" + readerKey), up.output());
            assertEquals("Hello from rtkv", api.get("demo", "greeting").body().get("value").asText());
            Api reader = new Api(base, readerKey);
            assertEquals(1, reader.call("POST", "/v1/tables/article.hello-rtkv/keys/claps/incr", "{}").body().get("value").asLong());
            assertEquals(403, reader.put("demo", "greeting", "\"mine now\"").status(), "the readers' key is the article's only");

            try (Watcher watcher = Watcher.subscribe("ws://127.0.0.1:" + layout.fanoutPort(), "demo", adminKey)) {
                assertEquals(200, api.put("demo", "a", "{\"n\":1}").status());
                assertEquals(1, api.get("demo", "a").body().get("value").get("n").asInt());
                watcher.awaitKey("a");
            }

            RtkvCommand.Run down = rtkv(layout, "down");
            assertEquals(0, down.exitCode(), down.output());
            assertEquals(0, running(rtkv(layout, "status")));

            RtkvCommand.Run again = rtkv(layout, "up", "--detach");
            assertEquals(0, again.exitCode(), again.output());
            assertEquals(1, api.get("demo", "a").body().get("value").get("n").asInt(), "data outlives down and up");
            assertEquals(1, api.get("article.hello-rtkv", "claps").body().get("value").asLong(), "the demo is loaded once");
            assertTrue(again.output().contains("/articles/hello-rtkv#key=" + readerKey), "and keeps its readers' key");
        } finally {
            rtkv(layout, "down");
        }
    }

    @Test
    void upInTheForegroundStopsEverythingWhenInterrupted() throws Exception {
        ClusterLayout layout = ClusterLayout.onFreePorts(dataDir, 2);
        Process up = RtkvCommand.start(layout, "up");
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> up.inputReader(StandardCharsets.UTF_8).lines().forEach(lines::add), "rtkv-up-output");
        reader.start();
        try {
            await("./rtkv up in the foreground").atMost(Duration.ofMinutes(5))
                    .until(() -> lines.contains("rtkv: Ctrl-C stops everything.") || !up.isAlive());
            assertTrue(up.isAlive(), String.join("\n", lines));
            assertEquals(7, running(rtkv(layout, "status")));

            // Ctrl-C and SIGTERM both run the launcher's shutdown hook; SIGTERM is used because a
            // CI job started in the background has SIGINT ignored for all its processes. Through
            // the handle, so that our end of its output pipe stays open (Process.destroy closes it).
            up.toHandle().destroy();

            assertTrue(up.waitFor(2, TimeUnit.MINUTES), "the launcher exits");
            reader.join(10_000);
            assertTrue(lines.contains("rtkv: stopped; data kept in " + layout.dataDir()), String.join("\n", lines));
            assertEquals(0, running(rtkv(layout, "status")));
        } finally {
            up.destroyForcibly();
            rtkv(layout, "down");
        }
    }

    @Test
    void aTakenPortIsNamedAndNothingIsLeftRunning() throws Exception {
        ClusterLayout layout = ClusterLayout.onFreePorts(dataDir, 2);
        try (ServerSocket squatter = new ServerSocket(layout.apiPort(), 1, InetAddress.getLoopbackAddress())) {
            RtkvCommand.Run up = rtkv(layout, "up", "--detach");

            assertEquals(1, up.exitCode(), up.output());
            assertTrue(up.output().contains("port " + layout.apiPort() + " (api) is already in use"), up.output());
            assertEquals(0, running(rtkv(layout, "status")));
        }
    }
}
