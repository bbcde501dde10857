package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Payload;

/** Everything on {@code drivebus.reservation.requests}. */
public sealed interface ReservationRequest extends Payload
        permits ReserveRequest, ReleaseRequest, RenewRequest, CancelRequest, BreakRequest, ChangerRequest, ReserveSetRequest {

    /** Who asks: the owner the request is made for, or a break's operator. */
    default Owner requester() {
        if (this instanceof ReserveRequest x) {
            return x.owner();
        } else if (this instanceof ReserveSetRequest x) {
            return x.owner();
        } else if (this instanceof ReleaseRequest x) {
            return x.owner();
        } else if (this instanceof RenewRequest x) {
            return x.owner();
        } else if (this instanceof CancelRequest x) {
            return x.owner();
        } else if (this instanceof ChangerRequest x) {
            return x.owner();
        }
        return ((BreakRequest) this).operator();
    }
}
