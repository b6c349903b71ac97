package rtkv.infra;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds the installed programs the cluster runs; sbin is searched too, as it is off most PATHs. */
final class Executables {

    /** The JDK the cluster's JVMs run on when set; otherwise the launcher's own. */
    private static final String JAVA_HOME_VARIABLE = "RTKV_JAVA_HOME";
    private static final Pattern RELEASE_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)");

    private Executables() {
    }

    static Path find(String program) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new LauncherException(program + " is not installed; ./rtkv up installs it (apt-get install mariadb-server)");
    }

    static Path java() {
        Path java = javaHome().resolve("bin").resolve("java");
        if (!Files.isExecutable(java)) {
            throw new LauncherException(JAVA_HOME_VARIABLE + "=" + javaHome() + " has no bin/java");
        }
        return java;
    }

    /** The feature release of {@link #java()} (17, 21, 25), from its JDK's release file. */
    static int javaFeature() {
        Path home = javaHome();
        if (home.equals(Path.of(System.getProperty("java.home")))) {
            return Runtime.version().feature();
        }
        Path release = home.resolve("release");
        int feature;
        try {
            Matcher version = RELEASE_VERSION.matcher(Files.readString(release));
            if (!version.find()) {
                throw new LauncherException(JAVA_HOME_VARIABLE + "=" + home + ": its release file names no JAVA_VERSION");
            }
            feature = Integer.parseInt(version.group(1));
        } catch (IOException e) {
            throw new LauncherException(JAVA_HOME_VARIABLE + "=" + home + " is not a JDK: " + release + " cannot be read", e);
        }
        if (feature < 17) {
            throw new LauncherException(JAVA_HOME_VARIABLE + "=" + home + " is Java " + feature + "; rtkv needs 17 or later");
        }
        return feature;
    }

    private static Path javaHome() {
        String home = System.getenv(JAVA_HOME_VARIABLE);
        return home == null || home.isBlank() ? Path.of(System.getProperty("java.home")) : Path.of(home);
    }

    static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
