package rtkv.fanout;

import java.util.Optional;
import rtkv.schema.Names;

/**
 * The keys of its table a subscription watches: all of them, one ({@code only=KEY}), or those that begin
 * with a prefix ({@code prefix=P}). Its snapshot holds only those keys, and only their changes are sent;
 * a change to any other key is not sent at all, so the subscriber's view and its resume token cover
 * exactly its keys.
 */
record KeyScope(String only, String prefix) {

    static final KeyScope ALL = new KeyScope(null, null);

    /**
     * The scope a subscribe asks for with {@code only} and {@code prefix} (either may be null), or the
     * problem with them, worded for the client.
     */
    static Result parse(String only, String prefix, int maxKeyBytes) {
        if (only != null && prefix != null) {
            return new Result(null, "only= and prefix= cannot go together: a subscription watches one key,"
                    + " or the keys that begin with a prefix, or the whole table");
        }
        if (only != null) {
            Optional<String> problem = Names.keyProblem(only, maxKeyBytes);
            return problem.map(p -> new Result(null, "only= names a key: " + p))
                    .orElseGet(() -> new Result(new KeyScope(only, null), null));
        }
        if (prefix != null) {
            if (prefix.isEmpty()) {
                return new Result(null, "prefix= is empty; leave it out to watch the whole table");
            }
            Optional<String> problem = Names.keyProblem(prefix, maxKeyBytes);
            return problem.map(p -> new Result(null, "prefix= is the beginning of a key: " + p.replace("the key", "it")))
                    .orElseGet(() -> new Result(new KeyScope(null, prefix), null));
        }
        return new Result(ALL, null);
    }

    /** A scope, or why there is none. */
    record Result(KeyScope scope, String problem) {
    }

    boolean matches(String key) {
        return only != null ? only.equals(key) : prefix == null || key.startsWith(prefix);
    }
}
