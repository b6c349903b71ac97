package rtkv.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;
import rtkv.config.ConfigException;
import rtkv.config.Settings;

/** Which address a request behind proxies is counted against. */
class TrustedProxiesTest {

    private static final List<String> PATTERNS = List.of("10.0.0.0/8", "192.168.1.5");
    private static final TrustedProxies PROXIES = new TrustedProxies(PATTERNS, "X-Forwarded-For");
    private static final TrustedProxies FORWARDED = new TrustedProxies(PATTERNS, "Forwarded");

    private static String client(String peer, String... headers) throws Exception {
        return client(PROXIES, peer, headers);
    }

    private static String client(TrustedProxies proxies, String peer, String... headers) throws Exception {
        HttpFields.Mutable fields = HttpFields.build();
        for (int i = 0; i < headers.length; i += 2) {
            fields.add(headers[i], headers[i + 1]);
        }
        return proxies.clientOf(fields, InetAddress.getByName(peer)).getHostAddress();
    }

    @Test
    void aTrustedProxysForwardedClientIsTheClient() throws Exception {
        assertEquals("203.0.113.7", client("10.1.2.3", "X-Forwarded-For", "203.0.113.7"));
        assertEquals("203.0.113.7", client(FORWARDED, "10.1.2.3", "Forwarded", "for=203.0.113.7;proto=https"));
        assertEquals("2001:db8:0:0:0:0:0:1", client(FORWARDED, "10.1.2.3", "Forwarded", "for=\"[2001:db8::1]:4711\""));
        assertEquals("203.0.113.7", client("10.1.2.3", "X-Forwarded-For", "203.0.113.7:5555"));
    }

    @Test
    void aChainIsReadFromTheNearestHopUntilOneIsNotTrusted() throws Exception {
        assertEquals("203.0.113.7", client("10.1.2.3", "X-Forwarded-For", "203.0.113.7, 192.168.1.5, 10.9.9.9"));
        assertEquals("203.0.113.7", client("10.1.2.3", "X-Forwarded-For", "203.0.113.7, 192.168.1.5", "X-Forwarded-For", "10.9.9.9"),
                "header lines are one list, in order");
    }

    @Test
    void whatAClientWritesLeftOfTheLastTrustedHopIsNotBelieved() throws Exception {
        assertEquals("203.0.113.7", client("10.1.2.3", "X-Forwarded-For", "198.51.100.1, 203.0.113.7"),
                "a client that sends X-Forwarded-For itself is still counted as itself");
        assertEquals("203.0.113.7", client(FORWARDED, "10.1.2.3", "Forwarded", "for=198.51.100.1, for=203.0.113.7"));
        assertEquals("203.0.113.7", client("10.1.2.3", "Forwarded", "for=198.51.100.1", "X-Forwarded-For", "203.0.113.7"),
                "the header the proxies do not write is passed on as the client sent it: never read");
        assertEquals("10.1.2.3", client(FORWARDED, "10.1.2.3", "X-Forwarded-For", "203.0.113.7"));
    }

    @Test
    void headersFromAnUntrustedPeerAreIgnored() throws Exception {
        assertEquals("203.0.113.9", client("203.0.113.9", "X-Forwarded-For", "198.51.100.1"));
    }

    @Test
    void aHopThatIsNoAddressEndsTheWalkAtTheLastOneKnown() throws Exception {
        assertEquals("10.1.2.3", client(FORWARDED, "10.1.2.3", "Forwarded", "for=unknown"));
        assertEquals("10.1.2.3", client("10.1.2.3", "X-Forwarded-For", "client.example.com"), "a name is never looked up");
        assertEquals("10.1.2.3", client("10.1.2.3", "X-Forwarded-For", "999.1.1.1"));
        assertEquals("10.1.2.3", client("10.1.2.3"), "no header: the proxy itself");
        assertNull(TrustedProxies.literal("_hidden"));
        for (String name : List.of("localhost", ".:", "[.:]", ".1:2", "g::1", "x")) {
            assertNull(TrustedProxies.literal(name), name + " would be looked up as a host name");
        }
        assertNotNull(TrustedProxies.literal("[::1]"));
    }

    @Test
    void badPatternsAreListedWithTheOtherSettings() {
        ConfigException refused = assertThrows(ConfigException.class, () -> {
            Settings s = new Settings(rtkv.config.Service.API_SERVICE, Map.of("RTKV_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.0/33,proxy.example"));
            EdgeConfig.from(s);
            s.validate();
        });
        assertEquals(2, refused.problems().size(), refused.getMessage());
        assertTrue(refused.getMessage().contains("\"10.0.0.0/33\""), refused.getMessage());
        Settings fine = new Settings(rtkv.config.Service.API_SERVICE, Map.of("RTKV_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1-192.168.1.9"));
        assertEquals(List.of("10.0.0.0/8", "192.168.1.1-192.168.1.9"), EdgeConfig.from(fine).trustedProxies());
    }
}
