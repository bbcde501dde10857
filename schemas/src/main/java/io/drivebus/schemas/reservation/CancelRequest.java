package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;

/** Withdraw a waiting reserve request (named by its envelope id). */
public record CancelRequest(String library, String requestId, Owner owner) implements ReservationRequest {
}
