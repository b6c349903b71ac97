package rtkv.api.store;

/** What must hold of a key for a write to apply (HTTP says it with If-Match and If-None-Match). */
public sealed interface Precondition {

    Precondition NONE = new None();

    /** Unconditional. */
    record None() implements Precondition {
    }

    /** The key exists at exactly this version. */
    record IfMatch(long version) implements Precondition {
    }

    /** The key does not exist (a tombstone or an expired key does not count as one). */
    record IfNoneMatch() implements Precondition {
    }
}
