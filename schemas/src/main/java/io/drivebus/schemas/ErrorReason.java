package io.drivebus.schemas;

/** Amanda's changer error reasons, plus {@code unauthorized} for a caller that may not do what it asked. */
public enum ErrorReason {
    notfound, invalid, volinuse, driveinuse, device, empty, notimpl, unknown, unauthorized
}
