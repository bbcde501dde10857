package io.drivebus.client;

import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationReady;
import java.time.Instant;

/**
 * A usable reservation: the volume {@code label} from {@code slot} is in {@code drive}, reachable at
 * {@code devicePath}, and every device command for it runs under fencing {@code token} until
 * {@code leaseExpiresAt} (renew to keep it). {@code requestId} is the envelope id of the reserve request.
 */
public record Reservation(
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
        String requestId) {

    /** A grant without robot motion is usable at once. */
    static Reservation of(ReservationGranted g, String requestId) {
        return new Reservation(g.library(), g.reservationId(), g.owner(), g.job(), g.drive(), g.host(), g.devicePath(),
                g.slot(), g.label(), g.token(), g.leaseExpiresAt(), requestId);
    }

    /** Ready says what is really in the drive; the grant (if seen) adds host and job. */
    static Reservation of(ReservationGranted g, ReservationReady r, String requestId) {
        return new Reservation(r.library(), r.reservationId(), r.owner(), g == null ? null : g.job(), r.drive(),
                g == null ? null : g.host(),
                r.devicePath() != null ? r.devicePath() : g == null ? null : g.devicePath(),
                r.slot() != null ? r.slot() : g == null ? null : g.slot(),
                r.label() != null ? r.label() : g == null ? null : g.label(),
                r.token(), r.leaseExpiresAt(), requestId);
    }
}
