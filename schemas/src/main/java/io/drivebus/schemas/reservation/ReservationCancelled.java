package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;

/** A waiting request was withdrawn by its owner. */
public record ReservationCancelled(String library, Owner owner) implements ReservationEvent {
}
