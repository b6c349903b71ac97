package rtkv.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * api-service's same-run baseline ({@code ./rtkv bench kv --baseline bare}): a Jetty core handler that
 * serves the bench's get, put and delete of {@code /v1/tables/T/keys/K} with the statements of
 * {@link JdbcTarget} on pooled connections, on api-service's thread pool and JVM options. No servlet,
 * no router, no key check, no validation, no metrics: what is left is the cost of an HTTP request
 * through Jetty and of a JDBC statement on this host, the least any Jetty-based api-service can spend.
 *
 * <p>Run as its own process, {@code BareKeyServer PORT CONNECTIONS SHARD_URL...}, with the shards' user and
 * password in {@code BARE_DB_USER} and {@code BARE_DB_PASSWORD}; it prints {@code listening on PORT}
 * once it serves.
 */
public final class BareKeyServer {

    private static final Pattern KEY = Pattern.compile("/v1/tables/([A-Za-z0-9._~-]+)/keys/([A-Za-z0-9._~-]+)");
    private static final ByteBuffer EMPTY = ByteBuffer.wrap("{}".getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();

    /** A connection to every shard per lender, as many lenders as api-service has connections per shard. */
    private final BlockingQueue<JdbcTarget> lenders;

    private BareKeyServer(BlockingQueue<JdbcTarget> lenders) {
        this.lenders = lenders;
    }

    public static void main(String[] args) throws Exception {
        // Started by the bench: it must not outlive it, even when the bench is killed.
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: BareKeyServer PORT CONNECTIONS SHARD_URL...");
        }
        int connections = Integer.parseInt(args[1]);
        List<String> shards = Arrays.asList(args).subList(2, args.length);
        BlockingQueue<JdbcTarget> lenders = new ArrayBlockingQueue<>(connections);
        for (int i = 0; i < connections; i++) {
            lenders.add(new JdbcTarget(shards, System.getenv("BARE_DB_USER"), System.getenv("BARE_DB_PASSWORD")));
        }
        // api-service's pool: pooled selectors, and each request on a virtual thread where the JVM has them.
        QueuedThreadPool pool = new QueuedThreadPool(250, 8, 60_000);
        pool.setName("bare-http");
        if (VirtualThreads.areSupported()) {
            pool.setVirtualThreadsExecutor(VirtualThreads.getNamedVirtualThreadsExecutor("bare-request"));
        }
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(Integer.parseInt(args[0]));
        server.addConnector(connector);
        BareKeyServer bare = new BareKeyServer(lenders);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                return bare.serve(request, response, callback);
            }
        });
        server.start();
        System.out.println("listening on " + connector.getLocalPort());
        System.out.flush();
        server.join();
    }

    private boolean serve(Request request, Response response, Callback callback) throws Exception {
        Matcher key = KEY.matcher(request.getHttpURI().getPath());
        Mix op = switch (request.getMethod()) {
            case "GET" -> Mix.GET;
            case "PUT" -> Mix.PUT;
            case "DELETE" -> Mix.DELETE;
            default -> null;
        };
        if (!key.matches() || op == null) {
            Response.writeError(request, response, callback, 404);
            return true;
        }
        String value = op == Mix.PUT ? Content.Source.asString(request, StandardCharsets.UTF_8) : null;
        JdbcTarget shards = lenders.take();
        String found;
        try {
            found = shards.execute(op, key.group(1), key.group(2), value);
        } finally {
            lenders.add(shards);
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        if (op == Mix.GET && found == null) {
            response.setStatus(404);
            response.write(true, EMPTY.duplicate(), callback);
        } else {
            response.setStatus(200);
            response.write(true, found == null ? EMPTY.duplicate()
                    : ByteBuffer.wrap(("{\"value\":" + found + "}").getBytes(StandardCharsets.UTF_8)), callback);
        }
        return true;
    }
}
