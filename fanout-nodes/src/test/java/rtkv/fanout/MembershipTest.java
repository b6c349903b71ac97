package rtkv.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MembershipTest {

    @Test
    void onlyWhoWasAdmittedLeaves() {
        Membership<String> members = new Membership<>();
        assertTrue(members.admit("a", 2));
        assertFalse(members.leave("refused"), "closed before or while being refused: never counted");
        assertFalse(members.leave("refused"));
        assertEquals(1, members.admitted());
        assertTrue(members.admit("b", 2));
        assertFalse(members.admit("c", 2), "the cap holds");
        assertTrue(members.leave("a"));
        assertFalse(members.leave("a"), "leaving twice counts once");
        assertEquals(1, members.admitted());
        assertTrue(members.admit("c", 2));
    }

    @Test
    void pinsCountAgainstTheCapNeverAsSubscribersAndKeepItOpen() {
        Membership<String> members = new Membership<>();
        members.pin();
        assertFalse(members.isEmpty());
        assertTrue(members.admit("a", 2));
        assertFalse(members.admit("b", 2));
        assertEquals(1, members.admitted());
        assertTrue(members.leave("a"));
        assertFalse(members.isEmpty());
        assertTrue(members.admit("a", 2) && members.admit("a", 2), "admitting twice counts once");
        assertEquals(1, members.admitted());
    }
}
