package io.drivebus.schemas.reservation;

/** Amanda's relative slots: the library's current slot, or the one after it (wrapping). */
public enum Relative {
    current, next
}
