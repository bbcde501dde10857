package io.drivebus.client.cli;

import io.drivebus.client.DrivebusException;
import io.drivebus.client.DrivebusTimeoutException;

/** The command line's exit codes: one per error reason a script may want to act on (client/README.md). */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int OTHER = 1;
    public static final int USAGE = 2;
    public static final int NOTFOUND = 3;
    public static final int VOLINUSE = 4;
    public static final int DRIVEINUSE = 5;
    public static final int EMPTY = 6;
    public static final int DEVICE = 7;
    public static final int INVALID = 8;
    public static final int TIMEOUT = 9;
    public static final int UNAUTHORIZED = 10;
    public static final int NOTIMPL = 11;
    /** hold: the lease was lost while the command ran (the command was stopped). */
    public static final int LEASE_LOST = 12;

    public static int of(DrivebusException e) {
        if (e instanceof DrivebusTimeoutException) {
            return TIMEOUT;
        }
        return switch (e.reason()) {
            case notfound -> NOTFOUND;
            case volinuse -> VOLINUSE;
            case driveinuse -> DRIVEINUSE;
            case empty -> EMPTY;
            case device -> DEVICE;
            case invalid -> INVALID;
            case unauthorized -> UNAUTHORIZED;
            case notimpl -> NOTIMPL;
            case unknown -> OTHER;
        };
    }

    private ExitCodes() {
    }
}
