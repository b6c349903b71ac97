package rtkv.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import rtkv.infra.ClusterLayout;

/** {@code ./rtkv ARGS} run as a user runs it, pointed at a cluster layout through the environment. */
final class RtkvCommand {

    private static final Path HOME = Path.of(System.getProperty("rtkv.home"));

    record Run(int exitCode, String output) {
    }

    private RtkvCommand() {
    }

    /** Runs it to the end, at most ten minutes; answers its exit code and everything it printed. */
    static Run run(ClusterLayout layout, String... args) throws IOException, InterruptedException {
        Process process = start(layout, args);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(10, TimeUnit.MINUTES), "./rtkv " + String.join(" ", args) + " finished");
        return new Run(process.exitValue(), output);
    }

    /** Starts it, its error output merged into its output. */
    static Process start(ClusterLayout layout, String... args) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(HOME.resolve("rtkv").toString());
        builder.command().addAll(List.of(args));
        builder.directory(HOME.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment(layout));
        return builder.start();
    }

    private static Map<String, String> environment(ClusterLayout layout) {
        Map<String, String> env = new HashMap<>();
        env.put("RTKV_DATA_DIR", layout.dataDir().toString());
        env.put("RTKV_SHARD_PORTS", join(layout.shardPorts()));
        env.put("RTKV_RELAY_PORTS", join(layout.relayPorts()));
        env.put("RTKV_KAFKA_PORT", Integer.toString(layout.kafkaPort()));
        env.put("RTKV_KAFKA_CONTROLLER_PORT", Integer.toString(layout.kafkaControllerPort()));
        env.put("RTKV_API_PORT", Integer.toString(layout.apiPort()));
        env.put("RTKV_FANOUT_PORT", Integer.toString(layout.fanoutPort()));
        env.put("RTKV_TOPIC_PARTITIONS", Integer.toString(layout.partitions()));
        return env;
    }

    private static String join(List<Integer> ports) {
        return ports.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
