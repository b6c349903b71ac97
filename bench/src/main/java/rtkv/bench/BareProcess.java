package rtkv.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A same-run baseline server ({@link BareBroadcaster}, {@link BareKeyServer}) in a process of its own, so
 * its CPU is measured apart from the load generator's, on the JVM and the heap, collector and scheduler
 * options of the cluster's process it stands beside, so the two pay for garbage and threads alike.
 */
final class BareProcess implements AutoCloseable {

    private final Process process;
    private final List<String> options;
    private final int port;

    private BareProcess(Process process, List<String> options, int port) {
        this.process = process;
        this.options = options;
        this.port = port;
    }

    /**
     * Starts {@code main} with {@code args} and {@code environment} added to this process's, like
     * {@code beside}, and waits (a minute at most) until it listens.
     */
    static BareProcess start(ProcessHandle beside, Class<?> main, List<String> args, Map<String, String> environment)
            throws IOException {
        List<String> command = new ArrayList<>();
        // A session of its own, as the launcher gives each part: Linux shares CPU between sessions
        // (autogroups), and in the load generator's the baseline would be scheduled unlike the part.
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid");
        }
        command.add(beside.info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        List<String> options = new ArrayList<>();
        for (String arg : Files.readString(Path.of("/proc", Long.toString(beside.pid()), "cmdline")).split("\0")) {
            if (arg.startsWith("-X") || arg.startsWith("-Djdk.")) {
                options.add(arg);
            }
        }
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        try {
            return new BareProcess(process, List.copyOf(options), listeningPort(process, main.getSimpleName()));
        } catch (RuntimeException e) {
            stop(process);
            throw e;
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** The JVM options taken from the part it stands beside. */
    String options() {
        return String.join(" ", options);
    }

    @Override
    public void close() {
        stop(process);
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Reads the process's output until it says where it listens, then drains the rest. */
    private static int listeningPort(Process process, String name) {
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Integer> port = new CompletableFuture<>();
        List<String> before = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (!port.isDone() && line.startsWith("listening on ")) {
                        port.complete(Integer.parseInt(line.substring("listening on ".length()).strip()));
                    } else if (!port.isDone() && before.size() < 20) {
                        before.add(line);
                    }
                }
            } catch (IOException | RuntimeException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new IllegalStateException("it exited: " + String.join(" | ", before)));
        }, name + "-output");
        reader.setDaemon(true);
        reader.start();
        try {
            return port.get(1, TimeUnit.MINUTES);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(name + " did not start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name + " did not start: interrupted", e);
        }
    }
}
