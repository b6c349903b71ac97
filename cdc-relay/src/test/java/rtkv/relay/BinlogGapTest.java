package rtkv.relay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

class BinlogGapTest {

    @Test
    void aPurgedPositionIsRecognisedInEitherWordingAnywhereInTheCauses() {
        assertTrue(BinlogGap.isPurgedPosition(new ConnectException("An exception occurred in the change event producer.",
                new RuntimeException("Could not find GTID state requested by slave in any binlog files. Probably the slave "
                        + "state is too old and required binlog files have been purged. Error code: 1236"))));
        assertTrue(BinlogGap.isPurgedPosition(new RuntimeException("The connector is trying to read change stream starting "
                + "at 0-1-5, but this is no longer available on the server. Reconfigure the connector")));
        assertFalse(BinlogGap.isPurgedPosition(new ConnectException("Access denied for user 'cdc'")));
        assertFalse(BinlogGap.isPurgedPosition(null));
    }
}
