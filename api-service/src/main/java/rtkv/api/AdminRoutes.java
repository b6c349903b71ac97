package rtkv.api;

import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import rtkv.api.store.KeyDirectory;
import rtkv.auth.Scope;
import rtkv.schema.ErrorCode;

/**
 * {@code /v1/admin/keys}: create, list, read and revoke API keys, with the admin key only. A created
 * key is answered once, whole; afterwards only its id, name and grants are shown.
 */
final class AdminRoutes {

    private static final Pattern ID = Pattern.compile("[0-9a-f]{16}");
    private static final int MAX_SCOPES = 100;
    private static final int MAX_NAME = 128;
    private static final int MAX_RATE_LIMIT = 10_000_000;

    private final KeyDirectory keys;
    private final ApiConfig config;

    AdminRoutes(KeyDirectory keys, ApiConfig config) {
        this.keys = keys;
        this.config = config;
    }

    /** POST /v1/admin/keys with {"name", "scopes": [...], "ttl"?, "rateLimit"?}. */
    void create(Context ctx) {
        Access.requireAdmin(ctx);
        RequestFields fields = RequestFields.ofBody(Bodies.read(ctx, 16_384, ErrorCode.BODY_TOO_LARGE, "this body"),
                Set.of("name", "scopes", "ttl", "rateLimit"));
        String name = fields.string("name");
        if (name.isEmpty() || name.length() > MAX_NAME || name.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.of(ErrorCode.INVALID_FIELD, "\"name\" must be 1 to " + MAX_NAME
                    + " characters without control characters");
        }
        List<Scope> scopes = new ArrayList<>();
        for (String scope : fields.strings("scopes", MAX_SCOPES)) {
            try {
                scopes.add(Scope.parse(scope));
            } catch (IllegalArgumentException e) {
                throw ApiException.of(ErrorCode.INVALID_SCOPE, e.getMessage());
            }
        }
        Long ttl = fields.has("ttl") ? fields.integerOrNull("ttl", 1, config.maxTtlSeconds()) : null;
        Long rateLimit = fields.has("rateLimit") ? fields.integerOrNull("rateLimit", 1, MAX_RATE_LIMIT) : null;
        KeyDirectory.Created created = keys.create(name, scopes, ttl, rateLimit == null ? null : rateLimit.intValue());
        ctx.status(201);
        KeyRoutes.json(ctx, Answers.createdKey(created));
    }

    /** GET /v1/admin/keys?after=&limit=: every key, revoked ones too, in id order. */
    void list(Context ctx) {
        Access.requireAdmin(ctx);
        String after = KeyRoutes.queryParameter(ctx, "after");
        if (after != null && !after.isEmpty() && !ID.matcher(after).matches()) {
            throw ApiException.of(ErrorCode.INVALID_PARAMETER, "after is a key id: 16 hex digits");
        }
        KeyDirectory.Page page = keys.list(after == null ? "" : after, KeyRoutes.limitParameter(ctx));
        KeyRoutes.json(ctx, Answers.keys(page.keys(), page.next()));
    }

    /** GET /v1/admin/keys/{id}. */
    void get(Context ctx) {
        Access.requireAdmin(ctx);
        String id = id(ctx);
        KeyRoutes.json(ctx, Answers.key(keys.get(id).orElseThrow(() -> noSuchKey(id))));
    }

    /** DELETE /v1/admin/keys/{id}: revoked at once on this instance, within RTKV_KEY_CACHE_MS on others. */
    void revoke(Context ctx) {
        Access.requireAdmin(ctx);
        String id = id(ctx);
        Bodies.none(ctx);
        KeyRoutes.json(ctx, Answers.key(keys.revoke(id).orElseThrow(() -> noSuchKey(id))));
    }

    private static String id(Context ctx) {
        String id = ctx.pathParam("id");
        if (!ID.matcher(id).matches()) {
            throw ApiException.of(ErrorCode.INVALID_KEY_ID, "a key id is 16 hex digits, the part after \"rk.\" in the key");
        }
        return id;
    }

    private static ApiException noSuchKey(String id) {
        return ApiException.notFound("no API key with id " + id);
    }
}
