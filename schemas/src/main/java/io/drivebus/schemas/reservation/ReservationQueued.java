package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;

/** The request waits; {@code position} is 1 for the next in line. Sent again when the position changes. */
public record ReservationQueued(String library, Owner owner, int position) implements ReservationEvent {
}
