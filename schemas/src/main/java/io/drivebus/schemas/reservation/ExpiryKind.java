package io.drivebus.schemas.reservation;

/** What ran out: a holder's lease, or a waiter's wait timeout. */
public enum ExpiryKind {
    lease, wait
}
