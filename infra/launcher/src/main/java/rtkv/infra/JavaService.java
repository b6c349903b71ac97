package rtkv.infra;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of rtkv's own services, run from its module's jar; ready when its {@code /readyz?standby=ok}
 * answers 200 (a relay's standby counts as ready; the other services ignore the query).
 */
final class JavaService extends ProcessComponent {

    private static final Pattern ROLE = Pattern.compile("\"role\"\\s*:\\s*\"([a-z]+)\"");

    private final String module;
    private final String mainClass;
    private final List<String> jvmOptions;
    private final int healthPort;
    private final Map<String, String> environment;
    private final RtkvHome home;
    private final Path clusterDir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    JavaService(String name, String module, String mainClass, List<String> jvmOptions, int healthPort,
                Map<String, String> environment, RtkvHome home, Path clusterDir, Clock clock) {
        super(name, clusterDir, clock);
        this.module = module;
        this.mainClass = mainClass;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.healthPort = healthPort;
        this.environment = Map.copyOf(environment);
        this.home = home;
        this.clusterDir = clusterDir;
    }

    @Override
    public List<Integer> ports() {
        return List.of(healthPort);
    }

    @Override
    public void start() {
        // A temporary directory of its own in the cluster's: what a service writes there (a relay's trust
        // and key stores, owner-only) stays with the cluster's data, also when a fault test kills it.
        Path tmp = clusterDir.resolve("tmp").resolve(name());
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new LauncherException("cannot create " + tmp, e);
        }
        List<String> command = new ArrayList<>();
        command.add(Executables.java().toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-XX:+ExitOnOutOfMemoryError", "-Drtkv.cluster=" + clusterDir, "-Djava.io.tmpdir=" + tmp,
                "-cp", home.classpathOf(module), mainClass));
        process.start(command, environment);
    }

    @Override
    protected String notReadyBecause() {
        try {
            HttpResponse<String> response = askReadiness();
            return response.statusCode() == 200 ? null : response.statusCode() + " " + response.body();
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The {@code /readyz} answer's body, whatever its status; empty when the service does not answer. */
    Optional<String> readiness() {
        try {
            return Optional.of(askReadiness().body());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private HttpResponse<String> askReadiness() throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/readyz?standby=ok"))
                .timeout(Duration.ofSeconds(2)).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted while asking " + name() + " whether it is ready", e);
        }
    }

    /** The {@code "role"} a relay's readiness body names. */
    static Optional<String> role(String readinessBody) {
        Matcher role = ROLE.matcher(readinessBody);
        return role.find() ? Optional.of(role.group(1)) : Optional.empty();
    }
}
