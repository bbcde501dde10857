package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;
import java.time.Instant;
import java.util.List;

/** Every device of a set is in its drive: the job may start. {@code setId} is the request id. */
public record ReservationSetReady(String library, String setId, Owner owner, List<SetMember> members, Instant leaseExpiresAt)
        implements ReservationEvent {
}
