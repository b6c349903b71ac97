package rtkv.schema;

import java.util.ArrayList;
import java.util.List;

/** The DDL of a shard's database, from {@code rtkv/schema/kv.sql}. */
public final class KvSchema {

    /** The database every shard keeps its rows in. */
    public static final String DATABASE = "rtkv";
    /** The table of key-value rows, also what the relay captures. */
    public static final String TABLE = "kv";

    private KvSchema() {
    }

    /** Each statement of the DDL on one line without comments, as {@code --init-file} wants them. */
    public static List<String> statements() {
        String sql = ClasspathText.read("/rtkv/schema/kv.sql");
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : sql.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(current.length() == 0 ? "" : " ").append(trimmed);
            if (trimmed.endsWith(";")) {
                statements.add(current.toString());
                current.setLength(0);
            }
        }
        return List.copyOf(statements);
    }
}
