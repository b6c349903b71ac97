package rtkv.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The JavaScript SDK as an app gets it: the tarball {@code npm pack} left in client-js/target, installed
 * with npm into a project of its own, then its tests run by Node against the real cluster.
 */
@ExtendWith(E2eCluster.class)
class JsSdkIT {

    private static final Path HOME = Path.of(System.getProperty("rtkv.home"));

    /** A project with the tarball installed, as {@code npm install rtkv-client-VERSION.tgz} makes it. */
    static Path installedTarball() throws IOException, InterruptedException {
        Path tarball;
        try (Stream<Path> packed = Files.list(HOME.resolve("client-js/target"))) {
            tarball = packed.filter(p -> p.getFileName().toString().matches("rtkv-client-.*\\.tgz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no rtkv-client tarball in client-js/target: mvn package packs it"));
        }
        Path app = Files.createTempDirectory("rtkv-sdk-app");
        Files.writeString(app.resolve("package.json"), "{\"name\":\"app\",\"private\":true,\"type\":\"module\"}");
        run(app, List.of("npm", "install", "--no-audit", "--no-fund", "--offline", tarball.toString()));
        return app;
    }

    static String run(Path dir, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("RTKV_API_URL", E2eCluster.cluster().apiUrl());
        builder.environment().put("RTKV_FANOUT_URL", E2eCluster.cluster().fanoutUrl());
        builder.environment().put("RTKV_ADMIN_KEY", E2eCluster.adminKey());
        builder.environment().put("RTKV_TABLES", String.join(",", E2eCluster.tableOnShard(0), E2eCluster.tableOnShard(1),
                E2eCluster.tableOnShard(0)));
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(3, TimeUnit.MINUTES), String.join(" ", command) + " finished");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
        return output;
    }

    @Test
    void theInstalledPackageReadsWritesAndSubscribes() throws Exception {
        Path app = installedTarball();
        Files.copy(HOME.resolve("e2e-tests/src/test/node/sdk/sdk.test.mjs"), app.resolve("sdk.test.mjs"));
        String output = run(app, List.of("node", "--experimental-websocket", "--test", "--test-reporter=spec",
                "sdk.test.mjs"));
        assertTrue(output.contains("pass 2"), output);
    }
}
