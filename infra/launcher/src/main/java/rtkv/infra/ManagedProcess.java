package rtkv.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One OS process of the cluster: spawned in a session of its own (so Ctrl-C on the launcher does not
 * reach it and the launcher can stop the parts in order), logging to a file, tracked by a pid file so
 * that {@code ./rtkv down} finds it from another process.
 */
final class ManagedProcess {

    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    /** mariadb-install-db ends a failure with 25 lines of advice; the error itself is above them. */
    private static final int INSTALLER_TAIL = 80;

    private final String name;
    private final Path pidFile;
    private final Path logFile;
    private final String marker;
    private Process started;

    /**
     * @param marker a string found in the command line of every process of this cluster (its data
     *               directory), so a stale pid file never makes us signal someone else's process
     */
    ManagedProcess(String name, Path pidFile, Path logFile, String marker) {
        this.name = name;
        this.pidFile = pidFile;
        this.logFile = logFile;
        this.marker = marker;
    }

    String name() {
        return name;
    }

    Path logFile() {
        return logFile;
    }

    synchronized void start(List<String> command, Map<String, String> environment) {
        if (handle().isPresent()) {
            throw new LauncherException(name + " is already running (pid file " + pidFile + ")");
        }
        List<String> detached = new ArrayList<>();
        detached.add("setsid");
        detached.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(detached)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().putAll(environment);
        try {
            Files.createDirectories(pidFile.getParent());
            Files.createDirectories(logFile.getParent());
            Process process = builder.start();
            Files.writeString(pidFile, Long.toString(process.pid()));
            started = process;
        } catch (IOException e) {
            throw new LauncherException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    /** Runs a command to completion (an installer, a formatter), failing with its output. */
    void runToCompletion(List<String> command, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        try {
            Files.createDirectories(logFile.getParent());
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new LauncherException(name + ": " + command.get(0) + " took longer than " + timeout
                        + "; see " + logFile);
            }
            if (process.exitValue() != 0) {
                // A formatter's SCRAM users carry their passwords on the command line.
                String shown = String.join(" ", command).replaceAll("password=[^,\\]\\s]*", "password=(hidden)");
                throw new LauncherException(name + ": " + shown + " failed with exit code "
                        + process.exitValue() + ":\n" + tail(INSTALLER_TAIL));
            }
        } catch (IOException e) {
            throw new LauncherException(name + ": cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException(name + ": interrupted while running " + command.get(0), e);
        }
    }

    /**
     * The running process: the one this object started, else the live process of this cluster its pid
     * file names (started by another ./rtkv). A process just spawned is still the JVM's spawn helper
     * for a moment, with another command line, so only the second case checks the marker.
     */
    synchronized Optional<ProcessHandle> handle() {
        if (started != null) {
            return started.isAlive() ? Optional.of(started.toHandle()) : Optional.empty();
        }
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> commandLineHasMarker(pid));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    boolean isAlive() {
        return handle().isPresent();
    }

    void stop() {
        handle().ifPresent(h -> {
            h.destroy();
            if (!awaitExit(h, STOP_GRACE)) {
                h.destroyForcibly();
                awaitExit(h, STOP_GRACE);
            }
        });
        deletePidFile();
    }

    void kill() {
        handle().ifPresent(h -> {
            h.destroyForcibly();
            awaitExit(h, STOP_GRACE);
        });
        deletePidFile();
    }

    /** The last lines of the log, to explain a failure without making the user open the file. */
    String tail() {
        return tail(25);
    }

    private String tail(int count) {
        try {
            if (!Files.isRegularFile(logFile)) {
                return "(no log at " + logFile + ")";
            }
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return "--- last lines of " + logFile + " ---\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + logFile + ": " + e.getMessage() + ")";
        }
    }

    private boolean commandLineHasMarker(long pid) {
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(cmdline, StandardCharsets.UTF_8).contains(marker);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean awaitExit(ProcessHandle handle, Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !handle.isAlive();
        }
    }

    private synchronized void deletePidFile() {
        started = null;
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
