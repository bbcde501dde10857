package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;
import java.time.Instant;

/** The lease of {@code reservationId} now runs until {@code leaseExpiresAt}. */
public record LeaseRenewed(String library, String reservationId, Owner owner, Instant leaseExpiresAt) implements ReservationEvent {
}
