package rtkv.infra;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One of rtkv's own services, run from its module's jar; ready when its {@code /readyz} answers 200. */
final class JavaService extends ProcessComponent {

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
        List<String> command = new ArrayList<>();
        command.add(Executables.java().toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-XX:+ExitOnOutOfMemoryError", "-Drtkv.cluster=" + clusterDir, "-cp", home.classpathOf(module),
                mainClass));
        process.start(command, environment);
    }

    @Override
    protected String notReadyBecause() {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/readyz"))
                .timeout(Duration.ofSeconds(2)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? null : response.statusCode() + " " + response.body();
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted while waiting for " + name(), e);
        }
    }
}
