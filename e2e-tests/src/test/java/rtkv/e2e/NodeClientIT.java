package rtkv.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The JavaScript client, as served by the fanout node, driven by Node against the real cluster. */
@ExtendWith(E2eCluster.class)
class NodeClientIT {

    private static final Path HOME = Path.of(System.getProperty("rtkv.home"));

    @Test
    void theJavaScriptClientConvergesAndResumes() throws Exception {
        Path script = HOME.resolve("e2e-tests/src/test/node/client-convergence.mjs");
        Process node = new ProcessBuilder("node", "--experimental-websocket", script.toString(),
                E2eCluster.cluster().apiUrl(), E2eCluster.cluster().fanoutUrl(), E2eCluster.tableOnShard(0),
                E2eCluster.adminKey())
                .redirectErrorStream(true).start();
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(node.waitFor(2, TimeUnit.MINUTES), "node finished");
        assertEquals(0, node.exitValue(), output);
        assertTrue(output.contains("OK: 3 subscribers converged"), output);
    }
}
