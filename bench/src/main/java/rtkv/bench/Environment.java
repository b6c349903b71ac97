package rtkv.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import rtkv.infra.LocalCluster;

/** The versions and the machine a run measured, printed with its setup and kept in its results. */
record Environment(String java, String mariadb, String commit, int cores) {

    private static final Pattern RELEASE_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"([^\"]+)\"");

    static Environment of(LocalCluster cluster) {
        String mariadb;
        try (Connection c = DriverManager.getConnection(cluster.shardJdbcUrl(0), cluster.appUser(), cluster.appPassword());
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT VERSION()")) {
            mariadb = rs.next() ? rs.getString(1) : "unknown";
        } catch (SQLException e) {
            mariadb = "unknown (" + e.getMessage() + ")";
        }
        return new Environment(servicesJava(cluster), mariadb, gitCommit(), Runtime.getRuntime().availableProcessors());
    }

    /** The Java the cluster's services run on (see ./rtkv, RTKV_JAVA_HOME), from its JDK's release file. */
    private static String servicesJava(LocalCluster cluster) {
        return cluster.process("fanout").flatMap(p -> p.info().command()).map(command -> {
            Path release = Path.of(command).getParent().getParent().resolve("release");
            try {
                Matcher version = RELEASE_VERSION.matcher(Files.readString(release));
                return version.find() ? version.group(1) : "unknown (" + release + " names none)";
            } catch (IOException e) {
                return "unknown (" + e.getMessage() + ")";
            }
        }).orElse("unknown");
    }

    /** The checkout's commit, or "unknown" outside a git checkout. */
    private static String gitCommit() {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return git.waitFor(10, TimeUnit.SECONDS) && git.exitValue() == 0 ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    String describe() {
        return String.format(Locale.ROOT, "rtkv %s, services on Java %s, MariaDB %s, %d cores", commit, java, mariadb, cores);
    }

    void write(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("environment");
        g.writeStringField("rtkv", commit);
        g.writeStringField("java", java);
        g.writeStringField("mariadb", mariadb);
        g.writeNumberField("cores", cores);
        g.writeEndObject();
    }
}
