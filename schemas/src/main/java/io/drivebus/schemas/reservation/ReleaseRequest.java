package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;

/** Release a reservation; only its owner may. {@code unload} also puts the volume back in its slot. */
public record ReleaseRequest(String library, String reservationId, Owner owner, Boolean unload) implements ReservationRequest {
}
