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
            Integer numSlots, Integer currentSlot, long statusSequence, Instant lastStatusAt, Long heartbeatIntervalMs,
            boolean agentOnline, long drives, long slots, long activeReservations) {
        static LibrarySummary of(Library l, long drives, long slots, long active) {
            return new LibrarySummary(l.id, l.host, l.driver, l.vendor, l.fastSearch, l.numSlots, l.currentSlot, l.statusSequence,
                    l.lastStatusAt, l.heartbeatIntervalMs, Views.agentOnline(l, Instant.now()), drives, slots, active);
        }
    }

    /**
     * {@code agentOnline} false: the library's agent missed three heartbeats, so its drives are offline — the same rule
     * by which the reservation-service stops granting them. {@code numSlots} and {@code currentSlot} are Amanda's info and
     * current slot as the reservation-service's latest changer result told them (null before any).
     */
    public record Inventory(String library, String host, String driver, String vendor, boolean fastSearch, Integer numSlots,
            Integer currentSlot, long statusSequence,
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

    /**
     * Amanda's inventory line: {@code reserved} while an active reservation names the slot, even once it is EMPTY;
     * {@code current} on the library's current slot. {@code labelSource} says whose word the label is: {@code operator}
     * (recorded with {@code update N=LABEL}; a null label then means the operator forgot it) until a rescan, else
     * {@code agent} (null when there is no label at all).
     */
    public record SlotView(int slot, String state, String label, String labelSource, String barcode, boolean importExport,
            boolean current, boolean reserved, String reservationId, Owner holder) {
        static SlotView of(Slot s, Reservation holder, String recordedLabel, boolean current) {
            String label = recordedLabel != null ? (recordedLabel.isEmpty() ? null : recordedLabel) : s.label;
            String source = recordedLabel != null ? "operator" : s.label != null ? "agent" : null;
            return new SlotView(s.slot, s.state, label, source, s.barcode, s.importExport, current, holder != null,
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

    /**
     * A reservation; or, listed with {@code pending=true}, a request still waiting in its library's queue (state
     * {@code queued}, id = the request id, {@code position} 1 for the next in line; it has no drive or job yet).
     */
    public record ReservationView(String id, String library, Owner owner, String job, String drive, String host,
            String devicePath, Integer slot, String label, String barcode, Long token, String state, boolean active,
            Instant leaseExpiresAt, Instant createdAt, Instant updatedAt, Instant endedAt, String endReason,
            String correlationId, Integer position) {
        static ReservationView of(Reservation r) {
            return new ReservationView(r.id, r.libraryId, r.owner(), r.job, r.driveId, r.host, r.devicePath, r.slot, r.label,
                    r.barcode, r.token, r.state.name(), r.isActive(), r.leaseExpiresAt, r.createdAt, r.updatedAt, r.endedAt,
                    r.endReason, r.correlationId, null);
        }

        static ReservationView waiting(String requestId, String library, Owner owner, int position, Instant queuedAt, Instant updatedAt) {
            return new ReservationView(requestId, library, owner, null, null, null, null, null, null, null, null, "queued", false,
                    null, queuedAt, updatedAt, null, null, requestId, position);
        }
    }

    /** Where a volume is: in a slot, or in a drive (then {@code slot} is the slot it came from). */
    public record VolumeLocation(String library, String where, Integer slot, String drive, String devicePath, String state,
            String barcode, String labelSource) {
    }

    public record Volume(String label, List<VolumeLocation> locations, List<ReservationView> reservations) {
    }

    /** {@code seq} orders the entries (newest first is highest first). */
    public record HistoryEntry(long seq, String library, String eventId, String type, Instant occurredAt, String reservationId,
            String drive, String correlationId) {
    }

    private Views() {
    }
}
