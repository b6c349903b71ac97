package rtkv.auth;

/** What a key may do with a table. */
public enum Permission {
    /** GET a key, list keys. */
    READ,
    /** Put, delete, increment, change a TTL, run a batch. */
    WRITE,
    /** Open a WebSocket subscription. */
    SUBSCRIBE;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
