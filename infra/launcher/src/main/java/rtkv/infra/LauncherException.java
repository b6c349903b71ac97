package rtkv.infra;

/** The local cluster could not do what was asked; the message says what and where to look. */
public final class LauncherException extends RuntimeException {

    public LauncherException(String message) {
        super(message);
    }

    public LauncherException(String message, Throwable cause) {
        super(message, cause);
    }
}
