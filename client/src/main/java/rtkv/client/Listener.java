package rtkv.client;

import java.util.SortedMap;

/** What a subscription reports, on its connection's thread; keep the methods quick. */
public interface Listener {

    /** A change was applied. */
    default void onChange(Change change) {
    }

    /** The whole table was (re)loaded: after subscribing, or after a resync. */
    default void onSnapshot(SortedMap<String, Entry> table) {
    }

    /** The server could not resume; a fresh snapshot follows. */
    default void onResync(String reason) {
    }

    default void onStatus(Status status) {
    }

    /** How many subscribe to the table on the fanout node this subscription is connected to. */
    default void onPresence(int subscribers) {
    }

    /** The server refused or closed the subscription, in its words. */
    default void onError(String error, String message) {
    }

    /**
     * Every frame of the current connection as the server sent it, before it is applied: for logging, and
     * for checking the protocol itself rather than the view this client makes of it.
     */
    default void onFrame(String frame) {
    }
}
