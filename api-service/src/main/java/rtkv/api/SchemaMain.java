package rtkv.api;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import rtkv.config.ConfigException;
import rtkv.config.RtkvSettings;
import rtkv.config.Service;
import rtkv.config.Settings;
import rtkv.link.DatabaseTls;
import rtkv.schema.KvSchema;

/**
 * Creates rtkv's tables on every shard where they are missing, as kv.sql does, and changes nothing that
 * exists (every statement is CREATE TABLE IF NOT EXISTS). The Helm chart runs it as a pre-install and
 * pre-upgrade Job. Settings: RTKV_SHARDS, and RTKV_DB_USER and RTKV_DB_PASSWORD of a user allowed to
 * create tables in the database the URLs name. Exits 0 when every shard has the tables, 1 naming each
 * shard that failed, 2 on bad settings.
 */
public final class SchemaMain {

    private SchemaMain() {
    }

    public static void main(String[] args) {
        try {
            List<String> failed = apply(System.getenv());
            failed.forEach(System.err::println);
            System.exit(failed.isEmpty() ? 0 : 1);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }

    /** Applies the DDL to each shard; answers what failed, one line per shard, empty when none did. */
    static List<String> apply(Map<String, String> env) {
        Settings s = new Settings(Service.SCHEMA_JOB, env);
        List<String> shards = s.get(RtkvSettings.SHARDS);
        String user = s.get(RtkvSettings.DB_USER);
        if (user == null) {
            s.problem(RtkvSettings.DB_USER + " is required: a user allowed to create tables in the database");
        }
        String password = s.get(RtkvSettings.DB_PASSWORD);
        DatabaseTls tls = DatabaseTls.from(s, shards);
        s.validate();
        List<String> failed = new ArrayList<>();
        for (int shard = 0; shard < shards.size(); shard++) {
            try (Connection c = DriverManager.getConnection(shards.get(shard), tls.connectionProperties(user, password));
                 Statement statement = c.createStatement()) {
                for (String ddl : KvSchema.statements()) {
                    statement.execute(ddl);
                }
                System.out.println("schema job: shard " + shard + " has rtkv's tables");
            } catch (SQLException e) {
                failed.add("schema job: shard " + shard + " (" + shards.get(shard).replaceAll("\\?.*", "") + "): " + e.getMessage());
            }
        }
        return failed;
    }
}
