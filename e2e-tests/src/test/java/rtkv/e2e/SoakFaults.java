package rtkv.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import rtkv.infra.LocalCluster;

/**
 * The soak's faults, on the shared cluster, in an order and with pauses drawn from the seed. Each one
 * breaks a part and waits until the cluster has recovered from it before the next: the active relay of
 * shard 0 killed with a standby waiting, relay 1 killed, relay 1's link to its shard cut, a fanout node
 * killed, a Kafka broker (of three) killed, a shard killed, api-service killed, and a fanout node added
 * and then stopped, which moves partitions twice. {@link #close()} leaves the cluster as it found it.
 */
final class SoakFaults implements AutoCloseable {

    private static final List<String> KINDS = List.of("relay-takeover", "relay-restart", "relay-link-cut", "fanout-kill",
            "kafka-broker", "shard-crash", "api-crash", "fanout-scale");
    private static final Duration RECOVERY = Duration.ofMinutes(2);

    private final LocalCluster cluster;
    private final Random random;
    private final List<String> injected = new ArrayList<>();
    private final String standby;
    private final String secondNode;
    private final TcpProxy link;
    private final int shardOnePort;
    private final List<String> fanoutUrls = new ArrayList<>();

    SoakFaults(LocalCluster cluster, long seed) throws IOException {
        this.cluster = cluster;
        this.random = new Random(seed);
        this.standby = cluster.startRelayStandby(0, E2eCluster.freePort());
        int port = E2eCluster.freePort();
        this.secondNode = cluster.startFanoutNode(port);
        fanoutUrls.add(cluster.fanoutUrl());
        fanoutUrls.add("ws://127.0.0.1:" + port);
        this.shardOnePort = cluster.layout().shardPorts().get(1);
        this.link = new TcpProxy(shardOnePort);
        cluster.routeRelay(1, link.port());
    }

    /** Where subscribers may connect: either node; each sends them on to the owner of their table. */
    List<String> fanoutUrls() {
        return fanoutUrls;
    }

    /** The faults injected so far, in order. */
    List<String> injected() {
        return List.copyOf(injected);
    }

    /** One fault drawn from the seed, then the wait until the cluster has recovered from it. */
    void injectOne() throws Exception {
        String kind = KINDS.get(random.nextInt(KINDS.size()));
        injected.add(kind);
        switch (kind) {
            case "relay-takeover" -> {
                String active = E2eCluster.activeRelay(0);
                String other = active.equals("relay-0") ? standby : "relay-0";
                cluster.kill(active);
                await("the other relay of shard 0 takes over").atMost(RECOVERY)
                        .until(() -> cluster.relayRole(other).equals(Optional.of("active")));
                cluster.restart(active);
            }
            case "relay-restart" -> {
                cluster.kill("relay-1");
                cluster.restart("relay-1");
                awaitActive("relay-1");
            }
            case "relay-link-cut" -> {
                link.cut();
                await("the relay sees its shard gone").atMost(RECOVERY)
                        .until(() -> !cluster.relayRole("relay-1").equals(Optional.of("active")));
                link.restore();
                awaitActive("relay-1");
            }
            case "fanout-kill" -> {
                String node = random.nextBoolean() ? "fanout" : secondNode;
                cluster.kill(node);
                cluster.restart(node);
            }
            case "kafka-broker" -> {
                String broker = List.of("kafka", "kafka-2", "kafka-3").get(random.nextInt(3));
                cluster.kill(broker);
                cluster.restart(broker);
            }
            case "shard-crash" -> {
                String shard = "mariadb-" + random.nextInt(2);
                cluster.kill(shard);
                cluster.restart(shard);
                awaitActive("relay-1");
                await("shard 0 relayed").atMost(RECOVERY).until(() -> activeRelayOfShard0().isPresent());
            }
            case "api-crash" -> {
                cluster.kill("api");
                cluster.restart("api");
            }
            case "fanout-scale" -> {
                String third = cluster.startFanoutNode(E2eCluster.freePort());
                cluster.stop(third);
            }
            default -> throw new IllegalStateException(kind);
        }
    }

    private Optional<String> activeRelayOfShard0() {
        return List.of("relay-0", standby).stream().filter(r -> cluster.relayRole(r).equals(Optional.of("active"))).findFirst();
    }

    private void awaitActive(String relay) {
        await(relay + " streams again").atMost(RECOVERY).until(() -> cluster.relayRole(relay).equals(Optional.of("active")));
    }

    /** Everything back as the other tests expect it: relay-0 active on a direct link, one fanout node with every partition. */
    @Override
    public void close() {
        try {
            List<String> core = new ArrayList<>(List.of("mariadb-0", "mariadb-1", "kafka", "kafka-2", "kafka-3", "relay-0",
                    "relay-1", "api", "fanout"));
            core.retainAll(cluster.parts());
            for (String part : core) {
                if (!cluster.runningParts().contains(part)) {
                    cluster.restart(part);
                }
            }
            cluster.routeRelay(1, shardOnePort);
            link.close();
            cluster.stop(standby);
            cluster.stop(secondNode);
            await("relay-0 active").atMost(RECOVERY).until(() -> cluster.relayRole("relay-0").equals(Optional.of("active")));
            await("relay-1 active").atMost(RECOVERY).until(() -> cluster.relayRole("relay-1").equals(Optional.of("active")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
