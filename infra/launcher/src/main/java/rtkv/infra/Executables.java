package rtkv.infra;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds the installed programs the cluster runs; sbin is searched too, as it is off most PATHs. */
final class Executables {

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
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
