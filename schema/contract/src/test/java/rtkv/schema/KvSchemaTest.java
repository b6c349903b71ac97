package rtkv.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class KvSchemaTest {

    @Test
    void statementsAreSingleLinesWithoutComments() {
        List<String> statements = KvSchema.statements();
        assertEquals(3, statements.size());
        String ddl = statements.get(0);
        assertTrue(ddl.startsWith("CREATE TABLE IF NOT EXISTS kv ("), ddl);
        assertTrue(ddl.contains("PRIMARY KEY (table_id, k)"), ddl);
        String floors = statements.get(1);
        assertTrue(floors.startsWith("CREATE TABLE IF NOT EXISTS kv_floor ("), floors);
        assertTrue(floors.contains("PRIMARY KEY (table_id)"), floors);
        String answers = statements.get(2);
        assertTrue(answers.startsWith("CREATE TABLE IF NOT EXISTS idempotency ("), answers);
        assertTrue(answers.contains("PRIMARY KEY (table_id, idem_key)"), answers);
        for (String statement : statements) {
            assertTrue(!statement.contains("\n") && !statement.contains("--"), statement);
        }
    }
}
