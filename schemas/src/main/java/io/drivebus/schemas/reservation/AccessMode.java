package io.drivebus.schemas.reservation;

/** Bareos: a read holds its volume exclusively; appends may share a drive up to its limit. */
public enum AccessMode {
    read, append
}
