package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;
import java.time.Instant;

/** The reserved volume is in the drive and its label verified: the holder may use {@code devicePath}. */
public record ReservationReady(
        String library,
        String reservationId,
        Owner owner,
        String drive,
        String devicePath,
        Integer slot,
        String label,
        String barcode,
        long token,
        Instant leaseExpiresAt) implements ReservationEvent {
}
