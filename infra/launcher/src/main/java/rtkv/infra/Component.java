package rtkv.infra;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** One process of the local cluster, with an explicit lifecycle. */
interface Component {

    String name();

    /** The ports it listens on, checked to be free before it starts. */
    List<Integer> ports();

    /** Starts the process; returns once it was spawned, not once it is ready. */
    void start();

    /** Blocks until the process answers its readiness check, or fails with what its log says. */
    void awaitReady(Duration timeout);

    boolean isAlive();

    /** The running process, if any: the one this launcher started or the one its pid file names. */
    Optional<ProcessHandle> process();

    /** Asks the process to shut down cleanly and waits for it; idempotent. */
    void stop();

    /** SIGKILL, as a crash would; waits until the process is gone. */
    void kill();
}
