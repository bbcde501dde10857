package io.drivebus.inventory.live;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationQueued;
import java.time.Instant;
import java.util.List;

/**
 * One applied record, as the live stream tells it: which library, what in it changed ({@code library}, {@code drive},
 * {@code slot}, {@code reservation}, {@code queue}, {@code history}; {@code removed} for a deleted library) and the
 * event that changed it. Enough for a dashboard to know what to reload, not a copy of the state.
 */
public record Change(String library, List<String> what, String type, String eventId, String reservationId, String drive,
        Instant occurredAt) {

    public static Change of(Envelope<? extends Payload> e, String reservationId, String drive) {
        Payload p = e.payload();
        List<String> what;
        if (p instanceof LibraryStatus) {
            what = List.of("library", "drive", "slot");
        } else if (p instanceof DeviceCommandResult) {
            what = List.of("drive", "slot", "history");
        } else if (p instanceof io.drivebus.schemas.reservation.ChangerResult) {
            // current slot, info and recorded labels; and it answers a request that may have waited
            what = List.of("library", "slot", "queue", "history");
        } else if (p instanceof ReservationQueued) {
            what = List.of("queue", "history");
        } else if (p instanceof ReservationEvent) {
            what = List.of("reservation", "queue", "history");
        } else {
            what = List.of();
        }
        return new Change(p.library(), what, e.type(), e.id(), reservationId, drive, e.occurredAt());
    }

    static Change hello(String library) {
        return new Change(library, List.of("hello"), "hello", null, null, null, Instant.now());
    }

    public static Change removed(String library) {
        return new Change(library, List.of("library", "removed"), "tombstone", null, null, null, Instant.now());
    }
}
