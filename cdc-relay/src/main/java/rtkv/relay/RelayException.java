package rtkv.relay;

/** The relay cannot go on without risking a gap; the message names the shard and the cause. */
final class RelayException extends RuntimeException {

    public RelayException(String message, Throwable cause) {
        super(message, cause);
    }

    public RelayException(String message) {
        super(message);
    }
}
