package rtkv.client;

import java.util.SortedMap;

/**
 * What a subscription reports. Calls come on the thread that reads its connection (for a client's
 * subscriptions, the one connection to the node it shares with the others there) or on the timer thread
 * (status changes when a connection is lost), one at a time per subscription. Keep the methods quick and
 * hand slow work to a thread of your own: while one runs, the others on that connection wait, and a node
 * cuts a connection that reads nothing for 30 s. An exception thrown here is logged and goes no further.
 */
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
