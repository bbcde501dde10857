package io.drivebus.reservation.core;

import io.drivebus.schemas.DrivebusError;

/** A rule said no; carries the typed error. Control flow inside the core only, never thrown out of it. */
final class Denial extends RuntimeException {
    final DrivebusError error;

    Denial(DrivebusError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }
}
