package rtkv.api;

import io.javalin.http.Context;
import java.util.OptionalLong;
import rtkv.schema.JsonText;
import rtkv.schema.Names;

/** PUT, GET and DELETE of one key. Input is validated before anything touches a shard. */
final class KeyRoutes {

    private final KvStore store;
    private final ApiConfig config;

    KeyRoutes(KvStore store, ApiConfig config) {
        this.store = store;
        this.config = config;
    }

    void put(Context ctx) {
        String table = table(ctx);
        String key = key(ctx);
        String value;
        try {
            value = JsonText.compact(ctx.body());
        } catch (JsonText.InvalidJsonException e) {
            throw ApiException.badRequest("invalid_json", e.getMessage());
        }
        long version = store.put(table, key, value);
        ctx.status(200).contentType("application/json").result(Answers.written(key, version));
    }

    void get(Context ctx) {
        String table = table(ctx);
        String key = key(ctx);
        KvStore.Entry entry = store.get(table, key)
                .orElseThrow(() -> ApiException.notFound("no key \"" + key + "\" in table " + table));
        ctx.contentType("application/json").result(Answers.entry(key, entry.value(), entry.version()));
    }

    void delete(Context ctx) {
        String table = table(ctx);
        String key = key(ctx);
        OptionalLong version = store.delete(table, key);
        if (version.isEmpty()) {
            throw ApiException.notFound("no key \"" + key + "\" in table " + table);
        }
        ctx.contentType("application/json").result(Answers.deleted(key, version.getAsLong()));
    }

    /** For {@code /v1/tables/{table}/keys/} with nothing after it. */
    void emptyKey(Context ctx) {
        table(ctx);
        throw ApiException.badRequest("invalid_key", "the key is empty");
    }

    private String table(Context ctx) {
        String table = ctx.pathParam("table");
        Names.tableProblem(table, config.maxTableName()).ifPresent(problem -> {
            throw ApiException.badRequest("invalid_table", problem);
        });
        return table;
    }

    private String key(Context ctx) {
        String key = ctx.pathParam("key");
        Names.keyProblem(key, config.maxKeyBytes()).ifPresent(problem -> {
            throw ApiException.badRequest("invalid_key", problem);
        });
        return key;
    }
}
