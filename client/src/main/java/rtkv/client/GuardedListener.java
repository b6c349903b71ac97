package rtkv.client;

import java.util.SortedMap;

/**
 * The app's listener, with its exceptions kept to itself: one thrown into the connection's reader would
 * close the connection, and on a shared {@code /v1/stream} every subscription on it, over and over as the
 * same frame came again on resume.
 */
final class GuardedListener implements Listener {

    private static final System.Logger LOG = System.getLogger(Listener.class.getName());

    private final Listener app;

    GuardedListener(Listener app) {
        this.app = app;
    }

    /** Anything but the JVM's own failures: a test's AssertionError would close the connection just the same. */
    private static void guarded(String event, Runnable call) {
        try {
            call.run();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.ERROR, "rtkv: a listener's " + event + " threw", e);
        }
    }

    @Override
    public void onChange(Change change) {
        guarded("onChange", () -> app.onChange(change));
    }

    @Override
    public void onSnapshot(SortedMap<String, Entry> table) {
        guarded("onSnapshot", () -> app.onSnapshot(table));
    }

    @Override
    public void onResync(String reason) {
        guarded("onResync", () -> app.onResync(reason));
    }

    @Override
    public void onStatus(Status status) {
        guarded("onStatus", () -> app.onStatus(status));
    }

    @Override
    public void onPresence(int subscribers) {
        guarded("onPresence", () -> app.onPresence(subscribers));
    }

    @Override
    public void onError(String error, String message) {
        guarded("onError", () -> app.onError(error, message));
    }

    @Override
    public void onFrame(String frame) {
        guarded("onFrame", () -> app.onFrame(frame));
    }
}
