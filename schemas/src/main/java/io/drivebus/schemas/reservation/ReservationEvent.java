package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Payload;

/**
 * Everything on {@code drivebus.reservation.events}. Each answers exactly one request (the envelope's
 * correlationId) or one lease.
 */
public sealed interface ReservationEvent extends Payload
        permits ReservationQueued, ReservationGranted, ReservationReady, ReservationDenied, ReservationReleased,
        ReservationExpired, ReservationBroken, ReservationCancelled, LeaseRenewed, ChangerResult, ReservationSetReady {
    Owner owner();

    /** True when no further event will follow for the request this one answers. */
    default boolean endsRequest() {
        return !(this instanceof ReservationQueued) && !(this instanceof ReservationGranted);
    }
}
