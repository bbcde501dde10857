package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;

/** An operator ended the reservation of {@code owner}. */
public record ReservationBroken(
        String library,
        String reservationId,
        Owner owner,
        Owner operator,
        BreakScope scope,
        String reason,
        String drive,
        long token) implements ReservationEvent {
}
