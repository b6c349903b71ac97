package rtkv.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import rtkv.link.DatabaseTls;
import rtkv.schema.KvSchema;

/**
 * One MariaDB shard with its own data directory and the settings rtkv's guarantees rest on: row-based
 * binlog with full row images (what Debezium reads), and a commit that is durable in both the InnoDB
 * log and the binlog before it is acknowledged ({@code innodb_flush_log_at_trx_commit=1},
 * {@code sync_binlog=1}).
 */
final class MariaDbShard extends ProcessComponent {

    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(2);

    private final int index;
    private final int port;
    private final Path dir;
    private final Secrets secrets;
    private final Optional<SecuredLinks> secured;

    /** Shard {@code index}; with {@code secured} it refuses every TCP connection without TLS. */
    MariaDbShard(int index, int port, Path clusterDir, Secrets secrets, Optional<SecuredLinks> secured, Clock clock) {
        super("mariadb-" + index, clusterDir, clock);
        this.secured = secured;
        this.index = index;
        this.port = port;
        this.dir = clusterDir.resolve("mariadb-" + index);
        this.secrets = secrets;
    }

    @Override
    public List<Integer> ports() {
        return List.of(port);
    }

    String jdbcUrl() {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + KvSchema.DATABASE;
    }

    @Override
    public void start() {
        Path data = dir.resolve("data");
        if (!Files.isDirectory(data.resolve("mysql"))) {
            install(data);
        }
        Path initFile = writeInitFile();
        List<String> command = new ArrayList<>(List.of(
                Executables.find("mariadbd").toString(),
                "--no-defaults",
                "--datadir=" + data,
                "--tmpdir=" + tmpdir(),
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--socket=" + dir.resolve("mysqld.sock"),
                "--pid-file=" + dir.resolve("mysqld.pid"),
                "--skip-name-resolve",
                "--server-id=" + (index + 1),
                "--log-bin=binlog",
                "--binlog-format=ROW",
                "--binlog-row-image=FULL",
                "--binlog-expire-logs-seconds=604800",
                // A fanout node learns the GTID of a table's snapshot with BINLOG_GTID_POS, which reads
                // the current binlog file from its start: small files bound that read (at the default
                // 1 GiB a subscription to a new table cost up to a second of the shard's CPU).
                "--max-binlog-size=16M",
                "--innodb-flush-log-at-trx-commit=1",
                "--sync-binlog=1",
                "--innodb-buffer-pool-size=128M",
                "--max-connections=500",
                "--init-file=" + initFile));
        secured.ifPresent(links -> command.addAll(links.shardOptions()));
        if (Executables.runningAsRoot()) {
            command.add("--user=root");
        }
        process.start(command, Map.of());
    }

    private void install(Path data) {
        try {
            Files.createDirectories(data);
        } catch (IOException e) {
            throw new LauncherException("cannot create " + data, e);
        }
        List<String> command = new ArrayList<>(List.of(
                Executables.find("mariadb-install-db").toString(),
                "--no-defaults",
                "--datadir=" + data,
                "--tmpdir=" + tmpdir(),
                "--skip-test-db",
                "--auth-root-authentication-method=socket"));
        if (Executables.runningAsRoot()) {
            command.add("--user=root");
        }
        process.runToCompletion(command, INSTALL_TIMEOUT);
    }

    /**
     * The instance's own temporary directory. In the shared /tmp an install once lost a temporary
     * table of its own ("Could not remove temporary table ... error: 2", then "Unknown table
     * 'mysql.tmp_user_sys'") while other instances were being set up beside it.
     */
    private Path tmpdir() {
        Path tmp = dir.resolve("tmp");
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new LauncherException("cannot create " + tmp, e);
        }
        return tmp;
    }

    /**
     * Runs statements as the shard's administrator: over the server's socket, as the OS user who
     * installed it (mariadb-install-db gives that user, and root, socket authentication). Its output
     * goes to the shard's log.
     */
    void runAsAdministrator(String sql) {
        process.runToCompletion(List.of(Executables.find("mariadb").toString(), "--no-defaults",
                "--socket=" + dir.resolve("mysqld.sock"), "--user=" + System.getProperty("user.name"),
                "--execute=" + sql), ADMIN_TIMEOUT);
    }

    /**
     * Applied by the server itself at every start, before clients connect, so the users, grants and
     * table exist without any client needing root. One statement per line, as the server requires.
     */
    private Path writeInitFile() {
        List<String> sql = new ArrayList<>();
        sql.add("CREATE DATABASE IF NOT EXISTS " + KvSchema.DATABASE + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;");
        sql.add("USE " + KvSchema.DATABASE + ";");
        sql.addAll(KvSchema.statements());
        // mariadb-install-db's anonymous users would shadow 'cdc'@'%' and 'rtkv'@'%' on localhost.
        sql.add("DELETE FROM mysql.global_priv WHERE User = '';");
        sql.add("FLUSH PRIVILEGES;");
        sql.add(user(Secrets.APP_USER, secrets.appPassword()));
        sql.add("ALTER USER '" + Secrets.APP_USER + "'@'%' IDENTIFIED BY '" + secrets.appPassword() + "';");
        sql.add("GRANT SELECT, INSERT, UPDATE, DELETE ON " + KvSchema.DATABASE + ".* TO '" + Secrets.APP_USER + "'@'%';");
        sql.add(user(Secrets.CDC_USER, secrets.cdcPassword()));
        sql.add("ALTER USER '" + Secrets.CDC_USER + "'@'%' IDENTIFIED BY '" + secrets.cdcPassword() + "';");
        // What Debezium's MariaDB connector needs: read the binlog, see its position, lock briefly
        // for the initial snapshot, and read the captured database. Nothing else.
        sql.add("GRANT RELOAD, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '" + Secrets.CDC_USER + "'@'%';");
        sql.add("GRANT SELECT, LOCK TABLES ON " + KvSchema.DATABASE + ".* TO '" + Secrets.CDC_USER + "'@'%';");
        // Fanout nodes only read snapshots.
        sql.add(user(Secrets.READER_USER, secrets.readerPassword()));
        sql.add("ALTER USER '" + Secrets.READER_USER + "'@'%' IDENTIFIED BY '" + secrets.readerPassword() + "';");
        sql.add("GRANT SELECT ON " + KvSchema.DATABASE + ".* TO '" + Secrets.READER_USER + "'@'%';");
        Path file = dir.resolve("init.sql");
        try {
            Secrets.writeOwnerOnly(file);
            Files.write(file, sql);
        } catch (IOException e) {
            throw new LauncherException("cannot write " + file, e);
        }
        return file;
    }

    private static String user(String name, String password) {
        return "CREATE USER IF NOT EXISTS '" + name + "'@'%' IDENTIFIED BY '" + password + "';";
    }

    /** The TLS of the launcher's own connections to the shard: the services'. */
    DatabaseTls databaseTls() {
        return secured.map(SecuredLinks::databaseTls).orElse(DatabaseTls.DISABLED);
    }

    @Override
    protected String notReadyBecause() {
        try (Connection connection = DriverManager.getConnection(jdbcUrl(), databaseTls()
                .connectionProperties(Secrets.APP_USER, secrets.appPassword()));
             Statement statement = connection.createStatement()) {
            statement.executeQuery("SELECT 1 FROM " + KvSchema.TABLE + " LIMIT 0").close();
            return null;
        } catch (SQLException e) {
            return e.getMessage();
        }
    }
}
