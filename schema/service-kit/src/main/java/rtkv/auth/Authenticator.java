package rtkv.auth;

import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;

/**
 * Turns a presented key into a {@link Principal}, or into the reason it is refused. The admin key
 * comes from configuration; every other key is looked up by id (in {@code rtkv.keys}, through a cache
 * or a node's copy of the table) and its secret checked against the stored hash. The lookup may throw
 * when the store cannot be reached; that is the caller's to answer (503), never a refusal.
 */
public final class Authenticator {

    private final String adminKey;
    private final Function<String, Optional<KeyRecord>> lookup;
    private final Clock clock;

    public Authenticator(String adminKey, Function<String, Optional<KeyRecord>> lookup, Clock clock) {
        this.adminKey = adminKey;
        this.lookup = lookup;
        this.clock = clock;
    }

    /** The outcome: exactly one of principal and refusal is set. */
    public record Result(Principal principal, String refusal) {
        static Result ok(Principal principal) {
            return new Result(principal, null);
        }

        static Result refused(String why) {
            return new Result(null, why);
        }

        public boolean ok() {
            return principal != null;
        }
    }

    public Result authenticate(String presented) {
        if (presented == null || presented.isBlank()) {
            return Result.refused("no API key: send the header Authorization: Bearer KEY");
        }
        if (ApiKeys.sameSecret(presented, adminKey)) {
            return Result.ok(Principal.ADMIN);
        }
        Optional<ApiKeys.Parsed> parsed = ApiKeys.parse(presented);
        if (parsed.isEmpty()) {
            return Result.refused("that is not an rtkv API key");
        }
        Optional<KeyRecord> record = lookup.apply(parsed.get().id());
        if (record.isEmpty() || !ApiKeys.sameSecret(ApiKeys.hash(parsed.get().secret()), record.get().hash())) {
            return Result.refused("unknown API key");
        }
        return stillValid(parsed.get().id(), record.get());
    }

    /** For a key already accepted: is it still good (not revoked, not expired, not removed)? */
    public Result recheck(String id) {
        Optional<KeyRecord> record = lookup.apply(id);
        if (record.isEmpty()) {
            return Result.refused("the API key was removed");
        }
        return stillValid(id, record.get());
    }

    private Result stillValid(String id, KeyRecord record) {
        if (record.revokedAt() != null) {
            return Result.refused("the API key was revoked");
        }
        if (!record.isValidAt(clock.millis())) {
            return Result.refused("the API key has expired");
        }
        return Result.ok(new Principal(id, false, record.scopes(), record.rateLimit()));
    }
}
