package rtkv.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class NamesTest {

    @Test
    void tableNames() {
        assertEquals(Optional.empty(), Names.tableProblem("articles.v2_x-1", 128));
        assertEquals(Optional.of("the table name is empty"), Names.tableProblem("", 128));
        assertTrue(Names.tableProblem("a".repeat(129), 128).orElseThrow().contains("limit is 128"));
        assertTrue(Names.tableProblem("no spaces", 128).isPresent());
        assertTrue(Names.tableProblem("semi;colon", 128).isPresent());
        assertTrue(Names.tableProblem("ünï", 128).isPresent());
    }

    @Test
    void keysAreCountedInUtf8Bytes() {
        assertEquals(Optional.empty(), Names.keyProblem("é".repeat(256), 512));
        assertTrue(Names.keyProblem("é".repeat(257), 512).orElseThrow().contains("514 bytes"));
        assertEquals(Optional.of("the key is empty"), Names.keyProblem("", 512));
        assertEquals(Optional.empty(), Names.keyProblem("a/b c;'\"\n😀", 512));
        assertEquals(Optional.of("the key may not contain the NUL character (U+0000)"), Names.keyProblem("a\u0000b", 512));
        assertEquals(Optional.of("the key is not valid UTF-8"), Names.keyProblem("a\uD800b", 512));
    }
}
