package rtkv.edge;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.InetAddressSet;

/**
 * The client's address behind proxies the operator trusts (RTKV_TRUSTED_PROXIES), for every per-address
 * limit. A request from a trusted proxy is taken to come from the nearest address in the header the
 * proxies write (RTKV_FORWARDED_HEADER: {@code X-Forwarded-For}, or RFC 7239's {@code Forwarded}) that
 * is not itself a trusted proxy, read from the right: each proxy appends the address it saw, so
 * everything left of the last trusted hop is what the client wrote and proves nothing. The other
 * header is never read: a proxy that does not write it passes on what the client put there. Jetty's ForwardedRequestCustomizer is not
 * used: it believes the left-most address of any request, which any client can write.
 * A request from anywhere else keeps its connection's address, whatever its headers say.
 */
final class TrustedProxies implements HttpConfiguration.Customizer {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    // The JDK parses a text as an IP literal only when it starts with a hex digit or a colon; any other
    // text it looks up as a host name, which a request header must never make it do.
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|:");

    private final InetAddressSet trusted;
    private final String header;

    /**
     * @param patterns addresses, CIDR blocks ("10.0.0.0/8") or ranges, as Jetty's InetAddressSet takes them
     * @param header   the header the proxies write, X-Forwarded-For or Forwarded: only that one is read, for a
     *                 proxy passes the other on as the client sent it
     */
    TrustedProxies(List<String> patterns, String header) {
        this.trusted = new InetAddressSet();
        patterns.forEach(trusted::add);
        this.header = header;
    }

    /** Why a pattern cannot name proxies, or null when it can. Names are refused, never looked up. */
    static String problem(String pattern) {
        String[] range = pattern.split("-", -1);
        String[] cidr = pattern.split("/", -1);
        boolean literal = range.length == 2 ? literal(range[0]) != null && (literal(range[1]) != null || range[1].matches("\\d{1,3}"))
                : cidr.length == 2 ? literal(cidr[0]) != null && cidr[1].matches("\\d{1,3}")
                : range.length == 1 && cidr.length == 1 && literal(pattern) != null;
        try {
            if (literal) {
                new InetAddressSet().add(pattern);
                return null;
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        return "\"" + pattern + "\" is not an address, a CIDR block or a range of addresses";
    }

    boolean trusts(InetAddress address) {
        return trusted.test(address);
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        SocketAddress peer = request.getConnectionMetaData().getRemoteSocketAddress();
        if (!(peer instanceof InetSocketAddress inet) || inet.getAddress() == null || !trusts(inet.getAddress())) {
            return request;
        }
        InetAddress client = clientOf(request.getHeaders(), inet.getAddress());
        if (client.equals(inet.getAddress())) {
            return request;
        }
        InetSocketAddress remote = new InetSocketAddress(client, 0);
        ConnectionMetaData connection = new ConnectionMetaData.Wrapper(request.getConnectionMetaData()) {
            @Override
            public SocketAddress getRemoteSocketAddress() {
                return remote;
            }
        };
        return new Request.Wrapper(request) {
            @Override
            public ConnectionMetaData getConnectionMetaData() {
                return connection;
            }
        };
    }

    /**
     * From the trusted peer, one hop left at a time while the address reached is trusted; a hop that is
     * not an address (unknown, an obfuscated name) ends the walk at the last address known.
     */
    InetAddress clientOf(HttpFields headers, InetAddress peer) {
        List<String> hops = hops(headers);
        InetAddress client = peer;
        for (int i = hops.size() - 1; i >= 0 && trusts(client); i--) {
            InetAddress hop = literal(hops.get(i));
            if (hop == null) {
                break;
            }
            client = hop;
        }
        return client;
    }

    /** The addresses the proxies recorded, nearest last. */
    private List<String> hops(HttpFields headers) {
        List<String> hops = new ArrayList<>();
        for (String line : headers.getValuesList(header)) {
            for (String element : line.split(",")) {
                hops.add(header.equalsIgnoreCase("Forwarded") ? forNode(element) : element.strip());
            }
        }
        return hops;
    }

    /** The for= node of one Forwarded element, or "" when it names none. */
    private static String forNode(String element) {
        for (String pair : element.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).strip().toLowerCase(Locale.ROOT).equals("for")) {
                return pair.substring(eq + 1).strip();
            }
        }
        return "";
    }

    /** An IP address written as one ("192.0.2.7", "[2001:db8::1]:4711", quoted or not), never looked up. */
    static InetAddress literal(String node) {
        String text = node.startsWith("\"") && node.endsWith("\"") && node.length() > 1 ? node.substring(1, node.length() - 1) : node;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            text = close > 0 ? text.substring(1, close) : "";
        } else if (IPV4.matcher(text.replaceFirst(":\\d+$", "")).matches()) {
            text = text.replaceFirst(":\\d+$", "");
        }
        boolean v4 = IPV4.matcher(text).matches();
        // A malformed dotted quad would be looked up as a host name: never, for a header's word.
        if (v4 ? java.util.Arrays.stream(text.split("\\.")).anyMatch(octet -> Integer.parseInt(octet) > 255)
                : !IPV6.matcher(text).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
