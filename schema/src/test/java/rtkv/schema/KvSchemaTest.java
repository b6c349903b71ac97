package rtkv.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class KvSchemaTest {

    @Test
    void statementsAreSingleLinesWithoutComments() {
        List<String> statements = KvSchema.statements();
        assertEquals(1, statements.size());
        String ddl = statements.get(0);
        assertTrue(ddl.startsWith("CREATE TABLE IF NOT EXISTS kv ("), ddl);
        assertTrue(ddl.contains("PRIMARY KEY (table_id, k)"), ddl);
        assertTrue(!ddl.contains("\n") && !ddl.contains("--"), ddl);
    }
}
