package rtkv.infra;

import java.util.List;

/**
 * The JVM options of the cluster's own services, chosen for the Java that runs them
 * ({@link Executables#java()}). Every figure here was measured with {@code ./rtkv bench} on two cores
 * holding the whole cluster; docs/DESIGN.md ("Benchmarks") has the runs.
 */
final class ServiceJvm {

    /** Generational ZGC came with Java 21, behind -XX:+ZGenerational until it became ZGC's only mode. */
    private static final int GENERATIONAL_ZGC = 21;
    /** From Java 23 generational is ZGC's default mode, and the flag is deprecated (obsolete from 24). */
    private static final int GENERATIONAL_BY_DEFAULT = 23;

    private ServiceJvm() {
    }

    static List<String> relay() {
        return List.of("-Xms64m", "-Xmx384m");
    }

    /**
     * On Java 21 and later api-service serves requests on virtual threads (see ApiServer). They run on
     * carrier threads, one per core by default; the cluster's other processes share these cores, and
     * with half of them as carriers a request's wake-ups stay on a busy carrier instead of waking an
     * idle one (kv on two cores: 0.66-0.77x of JDBC with one carrier, 0.57-0.64x with two).
     */
    static List<String> api() {
        int carriers = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        return List.of("-Xms64m", "-Xmx384m", "-Djdk.virtualThreadScheduler.parallelism=" + carriers);
    }

    /**
     * A fanout node holds every subscriber's connection in its heap, and G1's young pauses (20-200 ms
     * with 10,000 subscribers: scanning the old generation's cards) were most of the tables scenario's
     * p99. Generational ZGC collects concurrently: p99 38-78 ms in warm runs where G1 with 512 MB gave
     * 68-117 ms in the same session and setup. A gigabyte leaves ZGC room to collect before allocation
     * would stall. ZGC's older single-generation mode (Java 17-22 without the flag) stalled allocations
     * for a second, so before Java 21: G1 with the 512 MB it was measured with.
     */
    static List<String> fanout() {
        int java = Executables.javaFeature();
        if (java >= GENERATIONAL_BY_DEFAULT) {
            // Committed at start: the node's resident memory no longer grows with its subscribers.
            return List.of("-Xms1g", "-Xmx1g", "-XX:+UseZGC");
        }
        if (java >= GENERATIONAL_ZGC) {
            return List.of("-Xms1g", "-Xmx1g", "-XX:+UseZGC", "-XX:+ZGenerational");
        }
        return List.of("-Xms64m", "-Xmx512m");
    }
}
