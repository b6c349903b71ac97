package rtkv.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterLayoutTest {

    private final ClusterLayout standard = ClusterLayout.standard(Path.of("/tmp/rtkv-layout"));

    @Test
    void threeBrokersSitTwoPortsApartFromTheFirst() {
        ClusterLayout three = standard.withKafkaBrokers(3);

        assertEquals(List.of(9092, 9094, 9096), three.kafkaPorts());
        assertEquals(List.of(9093, 9095, 9097), three.kafkaControllerPorts());
        assertEquals("127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096", three.kafkaBootstrap());
        assertEquals(9092, three.kafkaPort());
        assertEquals(3, three.kafkaBrokers());
    }

    @Test
    void onlyOneOrThreeBrokersAndNoPortTwice() {
        assertThrows(LauncherException.class, () -> standard.withKafkaBrokers(2));
        assertThrows(IllegalArgumentException.class, () -> new ClusterLayout(standard.dataDir(), List.of(3307),
                List.of(9092), List.of(9093), List.of(3307), 8080, 8081, 8));
    }

    @Test
    void freePortsAreAllDifferent() {
        ClusterLayout free = ClusterLayout.onFreePorts(Path.of("/tmp/rtkv-layout"), 2, 3);

        assertEquals(3, free.kafkaBrokers());
        assertEquals(2, free.shards());
    }
}
