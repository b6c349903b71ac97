package rtkv.api.store;

/** Makes the store's failures for tests of the layer that answers them, outside this package. */
public final class StoreFailures {

    private StoreFailures() {
    }

    public static StoreException of(StoreException.Failure failure, String message) {
        return StoreException.of(failure, message);
    }

    public static StoreException versionMismatch(String message, Long currentVersion) {
        return StoreException.versionMismatch(message, currentVersion);
    }

    public static StoreException atOperation(StoreException e, int index) {
        return e.atOperation(index);
    }
}
