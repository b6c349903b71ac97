package rtkv.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.api.store.Entry;
import rtkv.api.store.IdempotencyKey;
import rtkv.api.store.KvStore;
import rtkv.api.store.Precondition;
import rtkv.auth.Permission;
import rtkv.schema.ErrorCode;
import rtkv.schema.JsonText;
import rtkv.schema.Names;

/** The routes of the HTTP API. Input is validated, in full, before anything touches a shard. */
final class KeyRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(KeyRoutes.class);
    /** Javalin's default minimum size for compression: one packet. */
    private static final int UNCOMPRESSED_LIMIT = 1_500;

    private final KvStore store;
    private final ApiConfig config;

    KeyRoutes(KvStore store, ApiConfig config) {
        this.store = store;
        this.config = config;
    }

    /** PUT /v1/tables/{table}/keys/{key}[?ttl=SECONDS], with If-Match or If-None-Match: *. */
    void put(Context ctx) {
        String table = table(ctx, Permission.WRITE);
        String key = key(ctx);
        Long ttl = ttlParameter(ctx);
        Precondition precondition = Preconditions.of(ctx);
        String body = Bodies.read(ctx, config.maxValueBytes(), ErrorCode.VALUE_TOO_LARGE, "a value");
        String value;
        try {
            value = JsonText.compact(body);
        } catch (JsonText.InvalidJsonException e) {
            throw ApiException.of(ErrorCode.INVALID_JSON, e.getMessage());
        }
        CapSettings.checkPut(table, key, value, config);
        IdempotencyKey idempotency = Idempotency.of(ctx, body);
        reply(ctx, store.put(table, key, value, ttl, precondition, idempotency));
    }

    void get(Context ctx) {
        String table = table(ctx, Permission.READ);
        String key = key(ctx);
        Entry entry = store.get(table, key)
                .orElseThrow(() -> ApiException.notFound("no key \"" + key + "\" in table " + table));
        ctx.header("ETag", etag(entry.version()));
        smallJson(ctx, Answers.entry(entry));
    }

    /** DELETE /v1/tables/{table}/keys/{key}, with If-Match. */
    void delete(Context ctx) {
        String table = table(ctx, Permission.WRITE);
        String key = key(ctx);
        Precondition precondition = Preconditions.of(ctx);
        Bodies.none(ctx);
        reply(ctx, store.delete(table, key, precondition, Idempotency.of(ctx, "")));
    }

    /** PUT /v1/tables/{table}/keys/{key}/ttl with {"ttl": SECONDS}, or {"ttl": null} to clear it. */
    void ttl(Context ctx) {
        String table = table(ctx, Permission.WRITE);
        String key = key(ctx);
        String body = small(ctx);
        RequestFields fields = RequestFields.ofBody(body, Set.of("ttl"));
        Long ttl = fields.integerOrNull("ttl", 1, config.maxTtlSeconds());
        reply(ctx, store.setTtl(table, key, ttl, Idempotency.of(ctx, body)));
    }

    /** POST /v1/tables/{table}/keys/{key}/incr with {"by": N} (1 when left out). */
    void increment(Context ctx) {
        String table = table(ctx, Permission.WRITE);
        String key = key(ctx);
        String body = small(ctx);
        RequestFields fields = RequestFields.ofBody(body, Set.of("by"));
        long by = fields.has("by") ? fields.integer("by", Long.MIN_VALUE, Long.MAX_VALUE) : 1;
        CapSettings.checkIncrement(table);
        reply(ctx, store.increment(table, key, by, Idempotency.of(ctx, body)));
    }

    /** GET /v1/tables/{table}/keys?prefix=&after=&limit=: live keys in key order, a page at a time. */
    void list(Context ctx) {
        String table = table(ctx, Permission.READ);
        String prefix = keyParameter(ctx, "prefix");
        String after = keyParameter(ctx, "after");
        int limit = limitParameter(ctx);
        List<Entry> entries = store.list(table, prefix, after, limit + 1);
        boolean more = entries.size() > limit;
        List<Entry> page = more ? entries.subList(0, limit) : entries;
        json(ctx, Answers.page(page, more ? page.get(limit - 1).key() : null));
    }

    /** POST /v1/tables/{table}/batch: every operation, or none. */
    void batch(Context ctx) {
        String table = table(ctx, Permission.WRITE);
        String body = Bodies.read(ctx, config.maxBatchBytes(), ErrorCode.BATCH_TOO_LARGE, "a batch");
        List<KvStore.BatchOperation> operations = BatchRequest.parse(body, config);
        CapSettings.checkBatch(table, operations, config);
        KvStore.Written written = store.batch(table, operations, Idempotency.of(ctx, body));
        replayed(ctx, written);
        json(ctx, written.text());
    }

    /** For {@code /v1/tables/{table}/keys/} with nothing after it. */
    void emptyKey(Context ctx) {
        table(ctx, Permission.WRITE);
        throw ApiException.of(ErrorCode.INVALID_KEY, "the key is empty");
    }

    private String small(Context ctx) {
        return Bodies.read(ctx, 4_096, ErrorCode.BODY_TOO_LARGE, "this body");
    }

    /** The table of the request, valid and within what the request's key may do. */
    private String table(Context ctx, Permission permission) {
        String table = ctx.pathParam("table");
        Names.tableProblem(table, config.maxTableName()).ifPresent(problem -> {
            throw ApiException.of(ErrorCode.INVALID_TABLE, problem);
        });
        Access.require(ctx, permission, table);
        return table;
    }

    private String key(Context ctx) {
        String key = ctx.pathParam("key");
        Names.keyProblem(key, config.maxKeyBytes()).ifPresent(problem -> {
            throw ApiException.of(ErrorCode.INVALID_KEY, problem);
        });
        return key;
    }

    private Long ttlParameter(Context ctx) {
        String ttl = queryParameter(ctx, "ttl");
        if (ttl == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(ttl.strip());
            if (seconds >= 1 && seconds <= config.maxTtlSeconds()) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.of(ErrorCode.INVALID_TTL, "ttl is a whole number of seconds from 1 to "
                + config.maxTtlSeconds() + "; got \"" + ttl + "\"");
    }

    /** An optional key-like query parameter ("" when absent), under the key's rules. */
    private String keyParameter(Context ctx, String name) {
        String value = queryParameter(ctx, name);
        if (value == null || value.isEmpty()) {
            return "";
        }
        Names.keyProblem(value, config.maxKeyBytes()).ifPresent(problem -> {
            throw ApiException.of(ErrorCode.INVALID_PARAMETER, name + ": " + problem.replace("the key", "it"));
        });
        return value;
    }

    /** A query parameter given at most once (null when absent): which of two values was meant is not guessed. */
    static String queryParameter(Context ctx, String name) {
        List<String> values = ctx.queryParams(name);
        if (values.size() > 1) {
            throw ApiException.of(ErrorCode.INVALID_PARAMETER, name + " is given " + values.size() + " times; give it once");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    static int limitParameter(Context ctx) {
        String limit = queryParameter(ctx, "limit");
        if (limit == null) {
            return ApiConfig.DEFAULT_LIST_LIMIT;
        }
        try {
            int parsed = Integer.parseInt(limit.strip());
            if (parsed >= 1 && parsed <= ApiConfig.MAX_LIST_LIMIT) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.of(ErrorCode.INVALID_PARAMETER, "limit is a number from 1 to " + ApiConfig.MAX_LIST_LIMIT
                + "; got \"" + limit + "\"");
    }

    /** A one-key write's answer, with its version as the ETag. */
    private static void reply(Context ctx, KvStore.Written written) {
        ctx.header("ETag", etag(written.version()));
        replayed(ctx, written);
        smallJson(ctx, written.text());
    }

    private static void replayed(Context ctx, KvStore.Written written) {
        if (written.replayed()) {
            ctx.header(Idempotency.REPLAYED, "true");
        }
    }

    private static String etag(long version) {
        return "\"" + version + "\"";
    }

    /** An answer that may be large: Javalin gzips it when it is and the client asks for that. */
    static void json(Context ctx, String body) {
        ctx.contentType("application/json").result(body);
    }

    /**
     * A one-key answer. Javalin's result path copies every answer through a fresh 32 KiB buffer after a
     * compression check, a tenth of the CPU of a small request; below the size Javalin would compress
     * at, the answer is written straight to the response with its length.
     */
    static void smallJson(Context ctx, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= UNCOMPRESSED_LIMIT) {
            json(ctx, body);
            return;
        }
        ctx.contentType("application/json");
        ctx.res().setContentLength(bytes.length);
        try {
            ctx.res().getOutputStream().write(bytes);
        } catch (IOException e) {
            // The client is gone; there is nobody left to answer.
            LOG.debug("{} {}: the answer could not be sent: {}", ctx.method(), ctx.path(), e.toString());
        }
    }
}
