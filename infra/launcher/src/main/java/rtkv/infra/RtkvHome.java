package rtkv.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The project checkout the cluster runs from: where the built modules and their classpaths are. */
final class RtkvHome {

    private final Path root;

    private RtkvHome(Path root) {
        this.root = root;
    }

    /** From system property {@code rtkv.home}, else the nearest directory up from here with ./rtkv. */
    static RtkvHome locate() {
        String configured = System.getProperty("rtkv.home");
        if (configured != null && !configured.isBlank()) {
            return new RtkvHome(Path.of(configured).toAbsolutePath().normalize());
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("rtkv")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return new RtkvHome(dir);
            }
        }
        throw new LauncherException("cannot find the rtkv checkout: set -Drtkv.home or run from inside it");
    }

    Path root() {
        return root;
    }

    /** The module's jar followed by its runtime dependencies, as Maven's package phase wrote them. */
    String classpathOf(String module) {
        Path moduleDir = root.resolve(module);
        Path jar = moduleDir.resolve("target").resolve(moduleDir.getFileName() + ".jar");
        Path dependencies = moduleDir.resolve("target/classpath.txt");
        if (!Files.isRegularFile(dependencies)) {
            throw new LauncherException(dependencies + " is missing: build first (./rtkv build, or mvn package)");
        }
        try {
            String deps = Files.readString(dependencies).strip();
            if (Files.isRegularFile(jar)) {
                return deps.isEmpty() ? jar.toString() : jar + java.io.File.pathSeparator + deps;
            }
            return deps;
        } catch (IOException e) {
            throw new LauncherException("cannot read " + dependencies, e);
        }
    }
}
