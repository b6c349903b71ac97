package rtkv.fanout;

import io.javalin.http.Context;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import rtkv.schema.ErrorCode;
import rtkv.schema.JsonText;
import rtkv.schema.Names;

/**
 * Which node serves a table: this one, another that the group names, or none right now (the partitions
 * are being shared out). Answers {@code GET /v1/tables/{table}/node}, and tells the admission where to
 * send a subscriber whose table is not this node's.
 */
final class Routing {

    private final FanoutConfig config;
    private final Tables tables;
    private final BooleanSupplier ready;
    private volatile Directory directory;
    private volatile String advertisedUrl;

    Routing(FanoutConfig config, Tables tables, BooleanSupplier ready) {
        this.config = config;
        this.tables = tables;
        this.ready = ready;
    }

    /** Once the port is bound: the URL this node gives out, and the group's directory of owners. */
    void start(Directory directory, String advertisedUrl) {
        this.advertisedUrl = advertisedUrl;
        this.directory = directory;
    }

    /** Another node that owns the partition, as the group last said; never this node. */
    Optional<String> ownerOf(int partition) {
        Directory d = directory;
        return d == null ? Optional.empty() : d.ownerOf(partition).filter(url -> !url.equals(advertisedUrl));
    }

    static String unowned(String table, int partition) {
        return "no fanout node serves partition " + partition + " of table " + table
                + " right now (the nodes are sharing out the partitions); retry shortly";
    }

    /** {@code GET /v1/tables/{table}/node}: the base URL to subscribe to the table at. */
    void node(Context ctx) {
        String table = ctx.pathParam("table");
        Optional<String> problem = Names.tableProblem(table, config.maxTableName());
        if (problem.isPresent()) {
            ctx.status(400).contentType("application/json").result(Frames.error(ErrorCode.INVALID_TABLE, problem.get()));
            return;
        }
        if (!ready.getAsBoolean()) {
            ctx.status(503).contentType("application/json").result(Frames.error(ErrorCode.UNAVAILABLE,
                    "this node is not reading the change stream yet; retry shortly"));
            return;
        }
        int partition = tables.partitionOf(table);
        Optional<String> node = tables.serves(table) ? Optional.of(advertisedUrl) : ownerOf(partition);
        if (node.isEmpty()) {
            ctx.status(503).contentType("application/json").result(Frames.error(ErrorCode.UNAVAILABLE, unowned(table, partition)));
            return;
        }
        ctx.contentType("application/json").result(JsonText.object(g -> {
            g.writeStringField("table", table);
            g.writeNumberField("partition", partition);
            g.writeStringField("node", node.get());
        }));
    }
}
