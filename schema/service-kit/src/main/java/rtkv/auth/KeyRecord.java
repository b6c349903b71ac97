package rtkv.auth;

import static rtkv.schema.JsonText.object;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.LoggerFactory;
import rtkv.schema.JsonText;

/**
 * A key as stored: the value of key ID in system table {@code rtkv.keys}. Being a row like any other,
 * it reaches every fanout node through the change stream, so a revocation closes subscriptions at once.
 * Only the secret's hash is kept; the key itself is shown once, when it is created.
 *
 * @param name      a label for people, such as "console" or "billing service"
 * @param hash      SHA-256 of the secret, hex
 * @param scopes    what the key may do, on which tables
 * @param createdAt milliseconds since the epoch
 * @param expiresAt milliseconds since the epoch, or null for never
 * @param revokedAt milliseconds since the epoch, or null while not revoked
 * @param rateLimit requests per second this key may make to one api-service instance, or null for the
 *                  instance's default
 */
public record KeyRecord(String name, String hash, List<Scope> scopes, long createdAt, Long expiresAt, Long revokedAt,
                        Integer rateLimit) {

    /** The system table keys are stored in; only the admin API reads or writes it. */
    public static final String TABLE = "rtkv.keys";

    public KeyRecord {
        scopes = List.copyOf(scopes);
    }

    public boolean isValidAt(long now) {
        return revokedAt == null && (expiresAt == null || expiresAt > now);
    }

    public KeyRecord revoked(long at) {
        return new KeyRecord(name, hash, scopes, createdAt, expiresAt, at, rateLimit);
    }

    public String toJson() {
        return object(g -> {
            g.writeStringField("name", name);
            g.writeStringField("hash", hash);
            g.writeArrayFieldStart("scopes");
            for (Scope scope : scopes) {
                g.writeString(scope.toString());
            }
            g.writeEndArray();
            g.writeNumberField("createdAt", createdAt);
            JsonText.writeNumberOrNull(g, "expiresAt", expiresAt);
            JsonText.writeNumberOrNull(g, "revokedAt", revokedAt);
            JsonText.writeNumberOrNull(g, "rateLimit", rateLimit == null ? null : rateLimit.longValue());
        });
    }

    /** @throws IllegalArgumentException when the JSON is not a key record */
    public static KeyRecord fromJson(String json) {
        Map<String, String> fields = JsonText.parseObject(json);
        try {
            Long rateLimit = nullableLong(fields.get("rateLimit"));
            return new KeyRecord(string(fields.get("name")), string(fields.get("hash")), scopes(fields.get("scopes")),
                    Long.parseLong(fields.get("createdAt")), nullableLong(fields.get("expiresAt")),
                    nullableLong(fields.get("revokedAt")), rateLimit == null ? null : Math.toIntExact(rateLimit));
        } catch (NullPointerException | ArithmeticException e) {
            throw new IllegalArgumentException("not a key record: " + json, e);
        }
    }

    /** The record of key {@code id}, or empty (logged) when what is stored is not one: such a key is refused. */
    public static Optional<KeyRecord> readable(String id, String json) {
        try {
            return Optional.of(fromJson(json));
        } catch (IllegalArgumentException e) {
            LoggerFactory.getLogger(KeyRecord.class).error("{} holds an unreadable record for key id {}; the key is refused",
                    TABLE, id);
            return Optional.empty();
        }
    }

    private static Long nullableLong(String json) {
        return json == null || json.equals("null") ? null : Long.parseLong(json);
    }

    private static String string(String json) {
        try (JsonParser parser = JsonText.parser(json)) {
            if (parser.nextToken() != JsonToken.VALUE_STRING) {
                throw new IllegalArgumentException("expected a string, got " + json);
            }
            return parser.getText();
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static List<Scope> scopes(String json) {
        List<Scope> scopes = new ArrayList<>();
        try (JsonParser parser = JsonText.parser(json)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalArgumentException("scopes is an array");
            }
            while (parser.nextToken() == JsonToken.VALUE_STRING) {
                scopes.add(Scope.parse(parser.getText()));
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
        return scopes;
    }
}
