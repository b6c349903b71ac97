package rtkv.edge;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import rtkv.schema.ErrorCode;
import rtkv.schema.JsonText;

/**
 * Errors Jetty answers itself, before a request reaches a route (a path it will not decode, headers too
 * large, a malformed request line), as the same JSON every other refusal is: {@code {"error","message"}}.
 */
public final class JsonErrorHandler extends ErrorHandler {

    private static final HttpField JSON = new HttpField(HttpHeader.CONTENT_TYPE, "application/json");
    // Jetty drops the connection after a request it refused itself; said out loud, a client does not
    // send its next request on it (and see that request fail with no answer).
    private static final HttpField CLOSE = new HttpField(HttpHeader.CONNECTION, "close");

    /** Jetty writes error bodies for GET, POST and HEAD only; a client of a JSON API wants one for every method. */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) throws IOException {
        response.getHeaders().put(JSON);
        response.getHeaders().put(CLOSE);
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(JSON);
        fields.put(CLOSE);
        return ByteBuffer.wrap(body(status, reason));
    }

    private static byte[] body(int status, String message) {
        // A server error's message may be an exception's text: the client gets only the status's words.
        String words = message == null || message.isBlank() || status >= 500 ? HttpStatus.getMessage(status) : message;
        return JsonText.object(g -> {
            g.writeStringField("error", ErrorCode.ofStatus(status).code());
            g.writeStringField("message", "the request was refused before it reached a route: " + words);
        }).getBytes(StandardCharsets.UTF_8);
    }
}
