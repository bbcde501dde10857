package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;

/** A lease lapsed (the drive is freed and its token moves on) or a waiter's timeout ran out. */
public record ReservationExpired(String library, String reservationId, Owner owner, String drive, Long token, ExpiryKind what)
        implements ReservationEvent {
}
