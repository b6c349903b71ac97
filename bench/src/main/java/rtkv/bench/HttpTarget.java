package rtkv.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;

/**
 * The workload through api-service, over keep-alive HTTP/1.1 connections of its own: a request is
 * written in one call and the answer read through to its last byte. The load generator shares the
 * two cores with the cluster, so it must cost little: the JDK's HttpURLConnection cost three times
 * the CPU per request of the JDBC driver the baseline runs on, and its asynchronous HttpClient a
 * whole core. Safe for many threads; each request borrows an idle connection or opens one.
 */
final class HttpTarget implements Target {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._~-]+");

    private final InetSocketAddress address;
    private final String host;
    private final String authorization;
    private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();

    /** @param key the API key of every request; the admin key, so no rate limit applies */
    HttpTarget(String baseUrl, String key) {
        URI uri = URI.create(baseUrl);
        if (!"http".equals(uri.getScheme()) || uri.getPort() < 0) {
            throw new IllegalArgumentException("the bench speaks plain HTTP to host:port; got " + baseUrl);
        }
        this.address = new InetSocketAddress(uri.getHost(), uri.getPort());
        this.host = uri.getHost() + ":" + uri.getPort();
        this.authorization = "Bearer " + key;
    }

    @Override
    public boolean run(Mix op, String table, String key, String value) throws IOException {
        return send(op, table, key, value) < 500;
    }

    /** One request; answers its status once the whole answer was read. */
    int send(Mix op, String table, String key, String value) throws IOException {
        byte[] request = request(op, table, key, value);
        Connection reused = idle.poll();
        if (reused != null) {
            try {
                return exchange(reused, request);
            } catch (IOException e) {
                // A server closes a connection it finds idle; when not a byte of the answer came back the
                // request met such a close and is sent again. Once the answer began, it was handled: a
                // second put would be a second change, so the failure stands.
                if (reused.answerStarted()) {
                    throw e;
                }
            }
        }
        return exchange(new Connection(address), request);
    }

    private int exchange(Connection connection, byte[] request) throws IOException {
        try {
            Answer answer = connection.exchange(request);
            if (answer.keepAlive()) {
                idle.offer(connection);
            } else {
                connection.close();
            }
            return answer.status();
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    private byte[] request(Mix op, String table, String key, String value) {
        if (!PLAIN.matcher(table).matches() || !PLAIN.matcher(key).matches()) {
            throw new IllegalArgumentException("the bench's tables and keys need no escaping; got " + table + "/" + key);
        }
        byte[] body = op == Mix.PUT ? value.getBytes(StandardCharsets.UTF_8) : new byte[0];
        StringBuilder head = new StringBuilder(160)
                .append(op.name()).append(" /v1/tables/").append(table).append("/keys/").append(key).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n")
                .append("Authorization: ").append(authorization).append("\r\n");
        if (op == Mix.PUT) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        return request;
    }

    @Override
    public void close() {
        for (Connection c = idle.poll(); c != null; c = idle.poll()) {
            c.close();
        }
    }

    private record Answer(int status, boolean keepAlive) {
    }

    /** One keep-alive connection; used by one request at a time. */
    private static final class Connection {
        private final Socket socket = new Socket();
        private final OutputStream out;
        private final InputStream in;
        private final StringBuilder line = new StringBuilder(128);
        // Our own buffer: BufferedInputStream takes a lock per byte read.
        private final byte[] buffer = new byte[8_192];
        private int position;
        private int limit;
        private boolean answerStarted;

        Connection(InetSocketAddress address) throws IOException {
            socket.setTcpNoDelay(true);
            socket.connect(address, 5_000);
            // No read timeout, as with HttpURLConnection: a timed read costs the JDK a poll and a
            // second read per answer where an untimed one blocks in a single read.
            out = socket.getOutputStream();
            in = socket.getInputStream();
        }

        boolean answerStarted() {
            return answerStarted;
        }

        Answer exchange(byte[] request) throws IOException {
            answerStarted = false;
            out.write(request);
            String statusLine = readLine();
            if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
                throw new IOException("not an HTTP/1.1 answer: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean keepAlive = true;
            for (String header = readLine(); !header.isEmpty(); header = readLine()) {
                int colon = header.indexOf(':');
                String name = colon < 0 ? header : header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = colon < 0 ? "" : header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.contains("chunked");
                    case "connection" -> keepAlive = !value.contains("close");
                    default -> {
                        // not needed
                    }
                }
            }
            if (status < 200 || status == 204 || status == 304) {
                // No body, whatever the headers say (RFC 9112, 6.3).
                return new Answer(status, keepAlive);
            } else if (chunked) {
                for (long size = Long.parseLong(readLine().split(";")[0].trim(), 16); size > 0;
                     size = Long.parseLong(readLine().split(";")[0].trim(), 16)) {
                    skip(size);
                    readLine();
                }
                while (!readLine().isEmpty()) {
                    // trailers
                }
            } else if (length >= 0) {
                skip(length);
            } else {
                while (read() >= 0) {
                    // to the end: the answer is delimited by the close
                }
                keepAlive = false;
            }
            return new Answer(status, keepAlive);
        }

        private String readLine() throws IOException {
            line.setLength(0);
            for (int b = read(); b != '\n'; b = read()) {
                if (b < 0) {
                    throw new EOFException("the server closed the connection");
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }

        private int read() throws IOException {
            if (position == limit && !fill()) {
                return -1;
            }
            return buffer[position++] & 0xff;
        }

        private boolean fill() throws IOException {
            int n = in.read(buffer);
            position = 0;
            limit = Math.max(n, 0);
            answerStarted |= n > 0;
            return n > 0;
        }

        private void skip(long bytes) throws IOException {
            for (long left = bytes; left > 0; ) {
                if (position == limit && !fill()) {
                    throw new EOFException("the answer ended early");
                }
                int skipped = (int) Math.min(left, limit - position);
                position += skipped;
                left -= skipped;
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
