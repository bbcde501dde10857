package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;

/** Operator override: end someone else's reservation. Recorded as {@code broken} with who and why. */
public record BreakRequest(String library, String reservationId, Owner operator, BreakScope scope, String reason)
        implements ReservationRequest {
}
