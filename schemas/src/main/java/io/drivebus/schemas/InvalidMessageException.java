package io.drivebus.schemas;

/** A record that is not a valid drivebus message; the message says which field and why. */
public class InvalidMessageException extends RuntimeException {
    public InvalidMessageException(String reason) {
        super(reason);
    }

    public InvalidMessageException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
