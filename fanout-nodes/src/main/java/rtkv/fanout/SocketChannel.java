package rtkv.fanout;

import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;

/** A subscriber with a WebSocket of its own: {@code /v1/tables/{table}/subscribe}. */
final class SocketChannel implements Channel {

    private final Session session;
    // Jetty's own session under the API's: it sends a frame whose bytes are already encoded.
    private final CoreSession core;

    SocketChannel(Session session) {
        this.session = session;
        this.core = ((WebSocketSession) session).getCoreSession();
    }

    @Override
    public void send(Encoded frame, Callback done, boolean batch) {
        core.sendFrame(new Frame(OpCode.TEXT, frame.view()), done, batch);
    }

    @Override
    public void sendText(String frame, Callback done) {
        session.sendText(frame, org.eclipse.jetty.websocket.api.Callback.from(done::succeeded, done::failed));
    }

    @Override
    public void flush() {
        core.flush(Callback.NOOP);
    }

    @Override
    public void end(int code, String reason) {
        session.close(code, reason, org.eclipse.jetty.websocket.api.Callback.NOOP);
    }

    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public int overhead() {
        return 0;
    }
}
