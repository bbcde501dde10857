package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;
import java.time.Instant;

/**
 * A drive is reserved under a new fencing token. When {@code motion} is true a load is in flight and
 * {@code ready} follows once the agent has the volume in the drive; otherwise the grant is already usable.
 */
public record ReservationGranted(
        String library,
        String reservationId,
        Owner owner,
        String job,
        String drive,
        String host,
        String devicePath,
        Integer slot,
        String label,
        long token,
        Instant leaseExpiresAt,
        boolean motion) implements ReservationEvent {
}
