package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;

/** Extend a lease; only its owner may. */
public record RenewRequest(String library, String reservationId, Owner owner, Long leaseMs) implements ReservationRequest {
}
