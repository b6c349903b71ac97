package rtkv.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class SnapshotsTest {

    @Test
    void aSnapshotIsAtTheDomainZeroSequenceOfItsPosition() throws SQLException {
        assertEquals(42, Snapshots.covered("0-1-42"));
        assertEquals(42, Snapshots.covered("1-1-99,0-1-42"));
        assertEquals(0, Snapshots.covered(""), "a shard that has committed nothing yet");
    }

    @Test
    void aSnapshotWhosePositionTheShardCannotTellIsRefused() {
        SQLException refused = assertThrows(SQLException.class, () -> Snapshots.covered(null));
        assertEquals("the shard did not say which GTID position the snapshot is at (is its binlog on?)", refused.getMessage());
    }
}
