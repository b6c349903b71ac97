package rtkv.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import rtkv.infra.LocalCluster;

/** The versions and the machine a run measured, printed with its setup and kept in its results. */
record Environment(String java, String mariadb, String commit, int cores) {

    static Environment of(LocalCluster cluster) {
        String mariadb;
        try (Connection c = DriverManager.getConnection(cluster.shardJdbcUrl(0), cluster.appUser(), cluster.appPassword());
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT VERSION()")) {
            mariadb = rs.next() ? rs.getString(1) : "unknown";
        } catch (SQLException e) {
            mariadb = "unknown (" + e.getMessage() + ")";
        }
        return new Environment(Runtime.version().toString(), mariadb, gitCommit(), Runtime.getRuntime().availableProcessors());
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
        return String.format(Locale.ROOT, "rtkv %s, Java %s, MariaDB %s, %d cores", commit, java, mariadb, cores);
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
