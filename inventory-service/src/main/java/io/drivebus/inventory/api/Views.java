package io.drivebus.inventory.api;

import io.drivebus.inventory.library.Drive;
import io.drivebus.inventory.library.Library;
import io.drivebus.inventory.library.Slot;
import io.drivebus.inventory.reservation.Reservation;
import io.drivebus.schemas.Owner;
import java.time.Instant;
import java.util.List;

/** What the REST API returns. Field names are the API contract (issue 2 / the dashboard / the cli). */
public final class Views {

    public record LibrarySummary(String library, String host, String driver, String vendor, boolean fastSearch,
            long statusSequence, Instant lastStatusAt, Long heartbeatIntervalMs, boolean agentOnline, long drives, long slots,
            long activeReservations) {
        static LibrarySummary of(Library l, long drives, long slots, long active) {
            return new LibrarySummary(l.id, l.host, l.driver, l.vendor, l.fastSearch, l.statusSequence, l.lastStatusAt,
                    l.heartbeatIntervalMs, Views.agentOnline(l, Instant.now()), drives, slots, active);
        }
    }

    /**
     * {@code agentOnline} false: the library's agent missed three heartbeats, so its drives are offline — the same rule
     * by which the reservation-service stops granting them.
     */
    public record Inventory(String library, String host, String driver, String vendor, boolean fastSearch, long statusSequence,
            Instant lastStatusAt, boolean agentOnline, List<SlotView> slots, List<DriveView> drives, List<WaiterView> queue) {
    }

    /** Missed heartbeats after which an agent is taken as gone (as the reservation-service does). */
    static final int MISSED_HEARTBEATS_OFFLINE = 3;

    static boolean agentOnline(Library l, Instant now) {
        if (l.lastStatusAt == null) {
            return false;
        }
        long interval = l.heartbeatIntervalMs == null ? 1 : Math.max(1, l.heartbeatIntervalMs);
        return !l.lastStatusAt.plusMillis(interval * MISSED_HEARTBEATS_OFFLINE).isBefore(now);
    }

    /** A request waiting for a drive of the library, as the reservation-service last told its position. */
    public record WaiterView(String requestId, Owner owner, int position, Instant queuedAt) {
    }

    /** Amanda's inventory line: {@code reserved} while an active reservation names the slot, even once it is EMPTY. */
    public record SlotView(int slot, String state, String label, String barcode, boolean importExport, boolean reserved,
            String reservationId, Owner holder) {
        static SlotView of(Slot s, Reservation holder) {
            return new SlotView(s.slot, s.state, s.label, s.barcode, s.importExport, holder != null,
                    holder == null ? null : holder.id, holder == null ? null : holder.owner());
        }
    }

    public record DriveView(String id, String devicePath, String state, String mediaType, String label, String barcode,
            Integer sourceSlot, String error, long highestToken, DriveReservation reservation) {
        static DriveView of(Drive d, Reservation r) {
            return new DriveView(d.driveId, d.devicePath, d.state, d.mediaType, d.label, d.barcode, d.sourceSlot, d.error,
                    d.highestToken, r == null ? null : DriveReservation.of(r));
        }
    }

    public record DriveReservation(String id, Owner owner, String job, Long token, String state, Instant leaseExpiresAt,
            Integer slot, String label) {
        static DriveReservation of(Reservation r) {
            return new DriveReservation(r.id, r.owner(), r.job, r.token, r.state.name(), r.leaseExpiresAt, r.slot, r.label);
        }
    }

    public record ReservationView(String id, String library, Owner owner, String job, String drive, String host,
            String devicePath, Integer slot, String label, String barcode, Long token, String state, boolean active,
            Instant leaseExpiresAt, Instant createdAt, Instant updatedAt, Instant endedAt, String endReason,
            String correlationId) {
        static ReservationView of(Reservation r) {
            return new ReservationView(r.id, r.libraryId, r.owner(), r.job, r.driveId, r.host, r.devicePath, r.slot, r.label,
                    r.barcode, r.token, r.state.name(), r.isActive(), r.leaseExpiresAt, r.createdAt, r.updatedAt, r.endedAt,
                    r.endReason, r.correlationId);
        }
    }

    /** Where a volume is: in a slot, or in a drive (then {@code slot} is the slot it came from). */
    public record VolumeLocation(String library, String where, Integer slot, String drive, String devicePath, String state,
            String barcode) {
    }

    public record Volume(String label, List<VolumeLocation> locations, List<ReservationView> reservations) {
    }

    public record HistoryEntry(long seq, String eventId, String type, Instant occurredAt, String reservationId, String drive,
            String correlationId) {
    }

    private Views() {
    }
}
