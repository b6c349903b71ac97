package rtkv.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class GtidTest {

    @Test
    void readsTheDomainZeroSequence() {
        assertEquals(35, Gtid.sequence("0-1-35"));
        assertEquals(12, Gtid.sequence("1-2-99, 0-1-12"));
        assertEquals(0, Gtid.sequence(""));
        assertEquals(0, Gtid.sequence(null));
        assertEquals(0, Gtid.sequence("3-1-7"));
        assertThrows(IllegalArgumentException.class, () -> Gtid.sequence("0-1"));
        assertThrows(IllegalArgumentException.class, () -> Gtid.sequence("a-b-c"));
    }
}
