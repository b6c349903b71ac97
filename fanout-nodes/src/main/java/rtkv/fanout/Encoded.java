package rtkv.fanout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A text frame encoded to UTF-8 once, for every subscriber it goes to: each write reads its own view
 * of the same bytes (a write consumes its buffer's position), so ten thousand subscribers cost ten
 * thousand small views, not ten thousand encodings and copies of the frame.
 */
final class Encoded {

    private final ByteBuffer utf8;

    private Encoded(ByteBuffer utf8) {
        this.utf8 = utf8;
    }

    static Encoded of(String frame) {
        return new Encoded(ByteBuffer.wrap(frame.getBytes(StandardCharsets.UTF_8)));
    }

    /** Bytes on the wire before framing: what a connection's queue counts. */
    int size() {
        return utf8.remaining();
    }

    /** A view of its own for one write. */
    ByteBuffer view() {
        return utf8.duplicate();
    }
}
