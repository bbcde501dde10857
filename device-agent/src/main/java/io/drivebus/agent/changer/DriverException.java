package io.drivebus.agent.changer;

import io.drivebus.schemas.ErrorReason;

/** A changer operation that did not happen; {@code reason} is the typed error the command result carries. */
public class DriverException extends Exception {
    private final ErrorReason reason;

    public DriverException(ErrorReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public DriverException(ErrorReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public ErrorReason reason() {
        return reason;
    }
}
