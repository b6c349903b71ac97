package rtkv.infra;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/** A part of the cluster that is one OS process, ready once its own probe says so. */
abstract class ProcessComponent implements Component {

    private final String name;
    private final Clock clock;
    protected final ManagedProcess process;

    ProcessComponent(String name, Path clusterDir, Clock clock) {
        this.name = name;
        this.clock = clock;
        this.process = new ManagedProcess(name, clusterDir.resolve("pids/" + name + ".pid"),
                clusterDir.resolve("logs/" + name + ".log"), clusterDir.toString());
    }

    /** Why the process is not ready yet, or {@code null} once it is. Called until the deadline. */
    protected abstract String notReadyBecause();

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final void awaitReady(Duration timeout) {
        Deadline deadline = Deadline.after(clock, timeout);
        String last = "no answer";
        while (!deadline.passed()) {
            if (!process.isAlive()) {
                throw new LauncherException(name + " exited while starting:\n" + process.tail());
            }
            String problem = notReadyBecause();
            if (problem == null) {
                return;
            }
            last = problem;
            deadline.pause(name);
        }
        throw new LauncherException(name + " was not ready within " + timeout + " (last: " + last + ")\n" + process.tail());
    }

    @Override
    public final boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public final Optional<ProcessHandle> process() {
        return process.handle();
    }

    @Override
    public final void stop() {
        process.stop();
    }

    @Override
    public final void kill() {
        process.kill();
    }
}
