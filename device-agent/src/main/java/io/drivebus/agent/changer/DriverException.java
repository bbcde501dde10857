package io.drivebus.agent.changer;

import io.drivebus.schemas.ErrorReason;

/**
 * A changer operation that did not happen; {@code reason} is the typed error the command result carries.
 * {@code driveFault}: the drive (or the robot at it) failed, so the drive is shown in error until a later command
 * on it succeeds or the library is scanned; a request the library merely refused (slot empty) is not a fault.
 */
public class DriverException extends Exception {
    private final ErrorReason reason;
    private final boolean driveFault;

    public DriverException(ErrorReason reason, String message) {
        this(reason, message, null, false);
    }

    /** An I/O failure ({@code cause}) of reason device is a drive fault. */
    public DriverException(ErrorReason reason, String message, Throwable cause) {
        this(reason, message, cause, reason == ErrorReason.device);
    }

    public DriverException(ErrorReason reason, String message, Throwable cause, boolean driveFault) {
        super(message, cause);
        this.reason = reason;
        this.driveFault = driveFault;
    }

    /** A failed motion or a drive that did not answer: the drive is marked in error. */
    public static DriverException fault(ErrorReason reason, String message) {
        return new DriverException(reason, message, null, true);
    }

    public ErrorReason reason() {
        return reason;
    }

    public boolean driveFault() {
        return driveFault;
    }
}
