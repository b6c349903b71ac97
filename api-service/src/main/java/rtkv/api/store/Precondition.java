package rtkv.api;

/** What must hold for a conditional write, from the If-Match and If-None-Match headers. */
sealed interface Precondition {

    Precondition NONE = new None();

    /** Unconditional. */
    record None() implements Precondition {
    }

    /** {@code If-Match: VERSION}: the key exists at exactly this version. */
    record IfMatch(long version) implements Precondition {
    }

    /** {@code If-None-Match: *}: the key does not exist (a tombstone or an expired key does not count). */
    record IfNoneMatch() implements Precondition {
    }
}
