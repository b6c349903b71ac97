package rtkv.client;

/** Where a subscription stands. */
public enum Status {
    /** Opening the first connection. */
    CONNECTING,
    /** Holding the table and receiving its changes. */
    LIVE,
    /** The connection was lost; trying again with backoff, to resume where it stopped. */
    RECONNECTING,
    /** The server could not resume; a fresh snapshot of the table is on its way. */
    RESYNCING,
    /** Closed by {@link Subscription#close()} or refused for good. */
    CLOSED
}
