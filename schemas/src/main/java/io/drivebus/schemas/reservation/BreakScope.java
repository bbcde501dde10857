package io.drivebus.schemas.reservation;

/** DEC SRC LockOps break rights: {@code site} may break holders on the operator's own site, {@code any} anyone's. */
public enum BreakScope {
    site, any
}
