package io.drivebus.inventory;

import io.drivebus.inventory.library.Drive;
import io.drivebus.inventory.library.Library;
import io.drivebus.inventory.library.Slot;
import io.drivebus.inventory.reservation.Reservation;
import io.drivebus.inventory.reservation.ReservationState;
import io.drivebus.inventory.api.Views;
import io.drivebus.schemas.Owner;
import io.vertx.mutiny.sqlclient.Row;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * The read model's rows as the entity classes, read straight from the reactive client, for the lookups and the
 * projection alike. Why not through Hibernate: a 1,000-slot inventory spent more on the session (managed entities and
 * their snapshots, one statement after the other) than in PostgreSQL, and so did the projection per record. The
 * objects here are plain values, never attached to a session; the columns are named once, beside the code that reads
 * them. {@code state_at} (the agent's time of a drive's or slot's state) is read where a query selects it.
 */
public final class Rows {

    public static final String LIBRARY = "id, host, driver, vendor, fast_search, heartbeat_interval_ms, status_sequence, last_status_at, "
            + "current_slot, num_slots";
    public static final String DRIVE = "library_id, drive_id, device_path, state, media_type, label, barcode, source_slot, error, highest_token";
    public static final String RESERVATION = "id, library_id, owner_key, owner_site, job, drive_id, host, device_path, slot, label, barcode, "
            + "token, state, lease_expires_at, created_at, updated_at, ended_at, end_reason, correlation_id";
    /** The active states ({@link io.drivebus.inventory.api.LibraryResource#ACTIVE}) as SQL. */
    public static final String ACTIVE = "('granted', 'ready')";

    private Rows() {
    }

    public static Library library(Row r) {
        Library l = new Library();
        l.id = r.getString("id");
        l.host = r.getString("host");
        l.driver = r.getString("driver");
        l.vendor = r.getString("vendor");
        l.fastSearch = r.getBoolean("fast_search");
        l.heartbeatIntervalMs = r.getLong("heartbeat_interval_ms");
        l.statusSequence = r.getLong("status_sequence");
        l.lastStatusAt = instant(r, "last_status_at");
        l.currentSlot = r.getInteger("current_slot");
        l.numSlots = r.getInteger("num_slots");
        return l;
    }

    public static Drive drive(Row r) {
        Drive d = new Drive();
        d.libraryId = r.getString("library_id");
        d.driveId = r.getString("drive_id");
        d.devicePath = r.getString("device_path");
        d.state = r.getString("state");
        d.mediaType = r.getString("media_type");
        d.label = r.getString("label");
        d.barcode = r.getString("barcode");
        d.sourceSlot = r.getInteger("source_slot");
        d.error = r.getString("error");
        d.highestToken = r.getLong("highest_token");
        d.stateAt = optionalInstant(r, "state_at");
        return d;
    }

    public static Slot slot(Row r) {
        Slot s = new Slot();
        s.libraryId = r.getString("library_id");
        s.slot = r.getInteger("slot");
        s.state = r.getString("state");
        s.label = r.getString("label");
        s.barcode = r.getString("barcode");
        s.importExport = Boolean.TRUE.equals(r.getBoolean("import_export"));
        s.stateAt = optionalInstant(r, "state_at");
        return s;
    }

    public static Reservation reservation(Row r) {
        Reservation v = new Reservation();
        v.id = r.getString("id");
        v.libraryId = r.getString("library_id");
        v.ownerKey = r.getString("owner_key");
        v.ownerSite = r.getString("owner_site");
        v.job = r.getString("job");
        v.driveId = r.getString("drive_id");
        v.host = r.getString("host");
        v.devicePath = r.getString("device_path");
        v.slot = r.getInteger("slot");
        v.label = r.getString("label");
        v.barcode = r.getString("barcode");
        v.token = r.getLong("token");
        v.state = r.getString("state") == null ? null : ReservationState.valueOf(r.getString("state"));
        v.leaseExpiresAt = instant(r, "lease_expires_at");
        v.createdAt = instant(r, "created_at");
        v.updatedAt = instant(r, "updated_at");
        v.endedAt = instant(r, "ended_at");
        v.endReason = r.getString("end_reason");
        v.correlationId = r.getString("correlation_id");
        return v;
    }

    public static Views.WaiterView waiter(Row r) {
        return new Views.WaiterView(r.getString("request_id"), new Owner(r.getString("owner_key"), r.getString("owner_site")),
                r.getInteger("position"), instant(r, "queued_at"));
    }

    public static Instant instant(Row r, String column) {
        OffsetDateTime t = r.getOffsetDateTime(column);
        return t == null ? null : t.toInstant();
    }

    private static Instant optionalInstant(Row r, String column) {
        return r.getColumnIndex(column) < 0 ? null : instant(r, column);
    }
}
