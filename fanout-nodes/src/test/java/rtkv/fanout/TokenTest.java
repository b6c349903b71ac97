package rtkv.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokenTest {

    @Test
    void roundTripsWithinItsTopic() {
        Token token = new Token(3, 1_234_567, 1, 889);
        String text = token.encode("a1b2c3d4");
        assertEquals("1.a1b2c3d4.3.1234567.1.889", text);
        assertEquals(Optional.of(token), Token.parse(text, "a1b2c3d4"));
        assertEquals(Optional.of(new Token(0, -1, 0, -1)), Token.parse("1.tag.0.-1.0.-1", "tag"));
    }

    @Test
    void refusesATokenOfAnotherTopicOrAnythingMalformed() {
        assertTrue(Token.parse("1.a1b2c3d4.3.1234567.1.889", "ffffffff").isEmpty());
        for (String bad : new String[] {null, "", "2.tag.0.0.0.0", "1.tag.0.0.0", "1.tag.x.0.0.0", "1.tag.0.0.0.0.0",
                "1.tag.0.99999999999999999999.0.0", "1.tag.-5.0.0.0"}) {
            assertTrue(Token.parse(bad, "tag").isEmpty(), bad);
        }
    }
}
