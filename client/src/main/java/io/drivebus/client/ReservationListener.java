package io.drivebus.client;

import io.drivebus.schemas.reservation.ReservationGranted;

/**
 * Progress of a reserve before it completes. Called on the client's poll thread: return quickly, never block.
 */
public interface ReservationListener {

    ReservationListener NONE = new ReservationListener() {
    };

    /** The request is about to be sent; {@code requestId} is what {@link DrivebusClient#cancel} withdraws. */
    default void sent(String requestId) {
    }

    /** The request waits in the library's queue; 1 is next in line. Called again when the position changes. */
    default void queued(int position) {
    }

    /** A drive is granted and the robot is loading the volume; a {@link Reservation} follows when it is ready. */
    default void loading(ReservationGranted grant) {
    }
}
