package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Payload;

/** Everything on {@code drivebus.reservation.requests}. */
public sealed interface ReservationRequest extends Payload
        permits ReserveRequest, ReleaseRequest, RenewRequest, CancelRequest, BreakRequest, ChangerRequest, ReserveSetRequest {
}
