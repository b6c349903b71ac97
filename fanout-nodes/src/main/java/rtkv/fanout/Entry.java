package rtkv.fanout;

/** A key as a fanout node holds it: {@code value} is null on a deleted or expired key, whose version lives on. */
record Entry(String value, long version, Long expiresAt) {

    boolean isLive(long now) {
        return value != null && (expiresAt == null || expiresAt > now);
    }
}
