package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;

/** The owner released the reservation; the drive is free. */
public record ReservationReleased(String library, String reservationId, Owner owner, String drive, long token)
        implements ReservationEvent {
}
