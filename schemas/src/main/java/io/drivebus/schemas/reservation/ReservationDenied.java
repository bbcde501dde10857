package io.drivebus.schemas.reservation;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.Owner;

/** The request is refused with a typed error; {@code reservationId} is set when the request named one. */
public record ReservationDenied(String library, String reservationId, Owner owner, DrivebusError error) implements ReservationEvent {
}
