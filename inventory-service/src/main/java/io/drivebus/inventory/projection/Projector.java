package io.drivebus.inventory.projection;

import io.drivebus.inventory.library.Drive;
import io.drivebus.inventory.live.Change;
import io.drivebus.inventory.library.DriveKey;
import io.drivebus.inventory.library.Slot;
import io.drivebus.inventory.library.SlotKey;
import io.drivebus.inventory.reservation.Reservation;
import io.drivebus.inventory.reservation.ReservationState;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.LeaseRenewed;
import io.drivebus.schemas.reservation.RecordedLabel;
import io.drivebus.schemas.reservation.ReservationBroken;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationExpired;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.logging.Logger;

/**
 * Applies one decoded event to the read model, inside the caller's transaction. Every method is safe to run again
 * for the same event (the caller de-duplicates on the envelope id first) and safe against events arriving late:
 * statuses by sequence, drive and slot changes by agent time, reservations by state rank.
 */
@ApplicationScoped
public class Projector {

    private static final Logger LOG = Logger.getLogger(Projector.class);
    /** Rows per multi-row insert: keeps a status of thousands of slots well under PostgreSQL's parameter limit. */
    static final int ROWS_PER_STATEMENT = 500;

    /** Records the event id; false when it was already applied (then nothing else must happen). */
    public Uni<Boolean> firstTime(Mutiny.Session s, String eventId, String topic) {
        return s.createNativeQuery("INSERT INTO processed_event (event_id, topic) VALUES (:id, :topic) ON CONFLICT DO NOTHING")
                .setParameter("id", eventId)
                .setParameter("topic", topic)
                .executeUpdate()
                .map(n -> n == 1);
    }

    public Uni<Void> apply(Mutiny.Session s, Envelope<? extends Payload> e, String json) {
        Payload p = e.payload();
        if (p instanceof LibraryStatus st) {
            return applyStatus(s, st, e.occurredAt());
        }
        // applied first, then written to the history: what an event touched (a job, a volume) may be known only from
        // the reservation it names, as the projection now has it
        if (p instanceof DeviceCommandResult r) {
            return applyResult(s, r, e.occurredAt())
                    .chain(() -> subjects(s, e, r))
                    .chain(subjects -> history(s, e, r.reservationId(), r.drive(), json, subjects));
        }
        if (p instanceof ReservationEvent r) {
            return applyReservation(s, e, r)
                    .chain(() -> subjects(s, e, r))
                    .chain(subjects -> history(s, e, reservationId(r), driveOf(r), json, subjects)
                            .chain(() -> identifies(r) ? backfill(s, subjects.reservations) : Uni.createFrom().voidItem()));
        }
        LOG.debugf("nothing to project for %s", e.type());
        return Uni.createFrom().voidItem();
    }

    /** A tombstone on the compacted status topic: the library is gone (its drives and slots go with it). */
    public Uni<Void> removeLibrary(Mutiny.Session s, String library) {
        return s.createNativeQuery("DELETE FROM library WHERE id = :id").setParameter("id", library).executeUpdate()
                .invoke(n -> LOG.infof("library %s removed (tombstone), %d row(s)", library, n))
                .replaceWithVoid();
    }

    // ---- device status --------------------------------------------------------------------------------------

    Uni<Void> applyStatus(Mutiny.Session s, LibraryStatus st, Instant at) {
        String sql = """
                INSERT INTO library (id, host, driver, vendor, fast_search, heartbeat_interval_ms, status_sequence, last_status_at)
                VALUES (:id, CAST(:host AS varchar), CAST(:driver AS varchar), CAST(:vendor AS varchar), :fast, :hb, :seq, :at)
                ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, driver = EXCLUDED.driver, vendor = EXCLUDED.vendor,
                    fast_search = EXCLUDED.fast_search, heartbeat_interval_ms = EXCLUDED.heartbeat_interval_ms,
                    status_sequence = EXCLUDED.status_sequence, last_status_at = EXCLUDED.last_status_at
                WHERE library.status_sequence < EXCLUDED.status_sequence""";
        return s.createNativeQuery(sql)
                .setParameter("id", st.library())
                .setParameter("host", st.host())
                .setParameter("driver", st.driver())
                .setParameter("vendor", st.vendor())
                .setParameter("fast", st.fastSearch())
                .setParameter("hb", st.heartbeatIntervalMs())
                .setParameter("seq", st.sequence())
                .setParameter("at", at)
                .executeUpdate()
                .chain(n -> {
                    if (n == 0) {
                        // at or below the stored sequence: an older status delivered late, or a duplicate
                        LOG.debugf("stale status of %s (sequence %d) ignored", st.library(), st.sequence());
                        return Uni.createFrom().voidItem();
                    }
                    return upsertDrives(s, st, at).chain(() -> upsertSlots(s, st.library(), st.slots(), 0, at));
                });
    }

    private Uni<Void> upsertDrives(Mutiny.Session s, LibraryStatus st, Instant at) {
        List<DriveStatus> drives = st.drives() == null ? List.of() : st.drives();
        Uni<Integer> upsert = Uni.createFrom().item(0);
        if (!drives.isEmpty()) {
            StringBuilder sql = new StringBuilder("INSERT INTO drive (library_id, drive_id, device_path, state, media_type, label, "
                    + "barcode, source_slot, error, highest_token, state_at) VALUES ");
            for (int i = 0; i < drives.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append("(:lib, :d").append(i).append(", CAST(:p").append(i).append(" AS varchar), :s")
                        .append(i).append(", CAST(:m").append(i).append(" AS varchar), CAST(:l").append(i).append(" AS varchar), CAST(:b")
                        .append(i).append(" AS varchar), CAST(:ss").append(i).append(" AS integer), CAST(:e").append(i)
                        .append(" AS varchar), :t").append(i).append(", :at)");
            }
            // what the drive is (device path, media type) is the status's word; what is in it is the newer news: a
            // row changed by a command result newer than this status keeps that state (also one the result created
            // before the library's first status was projected)
            sql.append(" ON CONFLICT (library_id, drive_id) DO UPDATE SET device_path = EXCLUDED.device_path, "
                    + "media_type = EXCLUDED.media_type, highest_token = GREATEST(drive.highest_token, EXCLUDED.highest_token), "
                    + newer("drive", "state", "label", "barcode", "source_slot", "error")
                    + ", state_at = GREATEST(drive.state_at, EXCLUDED.state_at)");
            Mutiny.Query<?> q = s.createNativeQuery(sql.toString()).setParameter("lib", st.library()).setParameter("at", at);
            for (int i = 0; i < drives.size(); i++) {
                DriveStatus d = drives.get(i);
                q.setParameter("d" + i, d.id())
                        .setParameter("p" + i, d.devicePath())
                        .setParameter("s" + i, d.state().name())
                        .setParameter("m" + i, d.mediaType())
                        .setParameter("l" + i, d.label())
                        .setParameter("b" + i, d.barcode())
                        .setParameter("ss" + i, d.sourceSlot())
                        .setParameter("e" + i, d.error())
                        .setParameter("t" + i, d.highestToken());
            }
            upsert = q.executeUpdate();
        }
        // drives the agent no longer reports (older than this status) are gone
        return upsert.chain(() -> s.createNativeQuery("DELETE FROM drive WHERE library_id = :lib AND (state_at IS NULL OR state_at < :at)")
                .setParameter("lib", st.library()).setParameter("at", at).executeUpdate()).replaceWithVoid();
    }

    private Uni<Void> upsertSlots(Mutiny.Session s, String library, List<SlotStatus> all, int from, Instant at) {
        List<SlotStatus> slots = all == null ? List.of() : all;
        if (from >= slots.size()) {
            return s.createNativeQuery("DELETE FROM slot WHERE library_id = :lib AND (state_at IS NULL OR state_at < :at)")
                    .setParameter("lib", library).setParameter("at", at).executeUpdate().replaceWithVoid();
        }
        List<SlotStatus> chunk = slots.subList(from, Math.min(slots.size(), from + ROWS_PER_STATEMENT));
        StringBuilder sql = new StringBuilder("INSERT INTO slot (library_id, slot, state, label, barcode, import_export, state_at) VALUES ");
        for (int i = 0; i < chunk.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("(:lib, :n").append(i).append(", :s").append(i).append(", CAST(:l").append(i)
                    .append(" AS varchar), CAST(:b").append(i).append(" AS varchar), :x").append(i).append(", :at)");
        }
        sql.append(" ON CONFLICT (library_id, slot) DO UPDATE SET import_export = EXCLUDED.import_export, "
                + newer("slot", "state", "label", "barcode") + ", state_at = GREATEST(slot.state_at, EXCLUDED.state_at)");
        Mutiny.Query<?> q = s.createNativeQuery(sql.toString()).setParameter("lib", library).setParameter("at", at);
        for (int i = 0; i < chunk.size(); i++) {
            SlotStatus sl = chunk.get(i);
            q.setParameter("n" + i, sl.slot())
                    .setParameter("s" + i, sl.state().name())
                    .setParameter("l" + i, sl.label())
                    .setParameter("b" + i, sl.barcode())
                    .setParameter("x" + i, sl.importExport());
        }
        return q.executeUpdate().chain(() -> upsertSlots(s, library, slots, from + chunk.size(), at));
    }

    /** SET clauses that take the incoming value only if it is at least as new as the row's ({@code state_at}). */
    private static String newer(String table, String... columns) {
        StringBuilder set = new StringBuilder();
        for (String c : columns) {
            set.append(set.length() == 0 ? "" : ", ").append(c).append(" = CASE WHEN ").append(table).append(".state_at IS NULL OR ")
                    .append(table).append(".state_at <= EXCLUDED.state_at THEN EXCLUDED.").append(c).append(" ELSE ").append(table)
                    .append('.').append(c).append(" END");
        }
        return set.toString();
    }

    // ---- device command results -----------------------------------------------------------------------------

    Uni<Void> applyResult(Mutiny.Session s, DeviceCommandResult r, Instant at) {
        if (r.outcome() != CommandOutcome.done || r.drive() == null) {
            // failed or refused: nothing moved for sure; the agent's next status tells what the hardware looks like
            return Uni.createFrom().voidItem();
        }
        return s.find(Drive.class, new DriveKey(r.library(), r.drive())).chain(d -> {
            if (d == null) {
                // the result came before the library's status (different topics): keep what it says, so the status that
                // follows cannot put older state over it; the status fills in the rest
                LOG.debugf("result for drive %s/%s before its library's status", r.library(), r.drive());
                Drive fresh = new Drive();
                fresh.libraryId = r.library();
                fresh.driveId = r.drive();
                fresh.state = "empty";
                return s.createNativeQuery("INSERT INTO library (id) VALUES (:id) ON CONFLICT DO NOTHING").setParameter("id", r.library())
                        .executeUpdate().chain(() -> s.persist(fresh)).chain(() -> applyTo(s, fresh, r, at));
            }
            return applyTo(s, d, r, at);
        });
    }

    private Uni<Void> applyTo(Mutiny.Session s, Drive d, DeviceCommandResult r, Instant at) {
        {
            // the agent ran the command under this token, so it has seen it
            d.highestToken = Math.max(d.highestToken, r.token());
            if (!d.olderThan(at)) {
                return Uni.createFrom().voidItem();
            }
            return switch (r.action()) {
                case load -> load(s, d, r, at);
                case unload, eject -> unload(s, d, r, at);
                case label, read_label -> {
                    if (r.label() != null) {
                        d.label = r.label();
                        d.barcode = r.barcode() != null ? r.barcode() : d.barcode;
                        d.stateAt = at;
                    }
                    yield Uni.createFrom().voidItem();
                }
                default -> Uni.createFrom().voidItem();
            };
        }
    }

    private Uni<Void> load(Mutiny.Session s, Drive d, DeviceCommandResult r, Instant at) {
        // a volume that was in the drive went back to its source slot before this one came in
        Uni<Void> putBack = Uni.createFrom().voidItem();
        if (d.label != null && d.sourceSlot != null && !Objects.equals(d.sourceSlot, r.slot()) && !Objects.equals(d.label, r.label())) {
            putBack = fillSlot(s, d.libraryId, d.sourceSlot, d.label, d.barcode, at);
        }
        d.state = "loaded";
        d.label = r.label();
        d.barcode = r.barcode();
        d.sourceSlot = r.slot();
        d.error = null;
        d.stateAt = at;
        if (r.slot() == null) {
            return putBack;
        }
        return putBack.chain(() -> s.find(Slot.class, new SlotKey(d.libraryId, r.slot()))).chain(slot -> {
            Slot target = slot != null ? slot : newSlot(d.libraryId, r.slot());
            if (target.olderThan(at)) {
                target.state = SlotState.EMPTY.name();
                target.label = null;
                target.barcode = null;
                target.stateAt = at;
            }
            return slot != null ? Uni.createFrom().voidItem() : s.persist(target);
        });
    }

    private Uni<Void> unload(Mutiny.Session s, Drive d, DeviceCommandResult r, Instant at) {
        Integer target = r.slot() != null ? r.slot() : d.sourceSlot;
        String label = r.label() != null ? r.label() : d.label;
        String barcode = r.barcode() != null ? r.barcode() : d.barcode;
        d.state = "empty";
        d.label = null;
        d.barcode = null;
        d.sourceSlot = null;
        d.error = null;
        d.stateAt = at;
        return target == null ? Uni.createFrom().voidItem() : fillSlot(s, d.libraryId, target, label, barcode, at);
    }

    private Uni<Void> fillSlot(Mutiny.Session s, String library, int slotNo, String label, String barcode, Instant at) {
        return s.find(Slot.class, new SlotKey(library, slotNo)).chain(slot -> {
            Slot target = slot != null ? slot : newSlot(library, slotNo);
            if (target.olderThan(at)) {
                target.state = SlotState.FULL.name();
                target.label = label;
                target.barcode = barcode;
                target.stateAt = at;
            }
            return slot != null ? Uni.createFrom().voidItem() : s.persist(target);
        });
    }

    /** A slot a command result names before any status listed it (statuses fill in the rest; see upsertSlots). */
    private static Slot newSlot(String library, int slotNo) {
        Slot slot = new Slot();
        slot.libraryId = library;
        slot.slot = slotNo;
        slot.state = SlotState.UNKNOWN.name();
        return slot;
    }

    // ---- reservation events ---------------------------------------------------------------------------------

    Uni<Void> applyReservation(Mutiny.Session s, Envelope<? extends Payload> e, ReservationEvent ev) {
        return queue(s, e, ev).chain(() -> applyReservationState(s, e, ev));
    }

    /**
     * The wait queue: {@code queued} (sent again whenever the position changes) keeps a waiter per request id;
     * the request's answer (granted, denied, expired, cancelled — correlated to the request id) ends it.
     */
    Uni<Void> queue(Mutiny.Session s, Envelope<? extends Payload> e, ReservationEvent ev) {
        String requestId = e.correlationId();
        if (requestId == null) {
            return Uni.createFrom().voidItem();
        }
        if (ev instanceof ReservationQueued q) {
            return s.createNativeQuery("""
                    INSERT INTO waiter (request_id, library_id, owner_key, owner_site, position, queued_at, updated_at)
                    VALUES (:rid, :lib, :key, :site, :pos, :at, :at)
                    ON CONFLICT (request_id) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at
                    WHERE waiter.ended_at IS NULL AND waiter.updated_at <= EXCLUDED.updated_at""")
                    .setParameter("rid", requestId).setParameter("lib", q.library())
                    .setParameter("key", q.owner().key()).setParameter("site", q.owner().site())
                    .setParameter("pos", q.position()).setParameter("at", e.occurredAt())
                    .executeUpdate().replaceWithVoid();
        }
        if (ev instanceof ReservationGranted || ev.endsRequest()) {
            return s.createNativeQuery("UPDATE waiter SET ended_at = :at, end_type = :type WHERE request_id = :rid AND ended_at IS NULL")
                    .setParameter("at", e.occurredAt()).setParameter("type", e.type()).setParameter("rid", requestId)
                    .executeUpdate().replaceWithVoid();
        }
        return Uni.createFrom().voidItem();
    }

    Uni<Void> applyReservationState(Mutiny.Session s, Envelope<? extends Payload> e, ReservationEvent ev) {
        Instant at = e.occurredAt();
        if (ev instanceof ReservationGranted g) {
            return upsert(s, g.reservationId(), g.library(), at, r -> {
                r.identify(g.owner(), g.drive(), g.slot(), g.label(), g.token());
                r.job = r.job != null ? r.job : g.job();
                r.host = r.host != null ? r.host : g.host();
                r.devicePath = r.devicePath != null ? r.devicePath : g.devicePath();
                // the grant answers the reserve request: its correlation id is the request id
                r.correlationId = r.correlationId != null ? r.correlationId : e.correlationId();
                r.extendLease(g.leaseExpiresAt(), at);
                r.advanceTo(ReservationState.granted, at);
            });
        }
        if (ev instanceof ReservationReady rd) {
            return upsert(s, rd.reservationId(), rd.library(), at, r -> {
                r.identify(rd.owner(), rd.drive(), rd.slot(), rd.label(), rd.token());
                // ready is the agent-verified truth about the device and the volume
                r.devicePath = rd.devicePath() != null ? rd.devicePath() : r.devicePath;
                r.barcode = rd.barcode() != null ? rd.barcode() : r.barcode;
                r.correlationId = r.correlationId != null ? r.correlationId : e.correlationId();
                r.extendLease(rd.leaseExpiresAt(), at);
                r.advanceTo(ReservationState.ready, at);
            });
        }
        if (ev instanceof ReservationReleased rl) {
            return upsert(s, rl.reservationId(), rl.library(), at, r -> {
                r.identify(rl.owner(), rl.drive(), null, null, rl.token());
                if (r.advanceTo(ReservationState.released, at)) {
                    r.endReason = "released by " + rl.owner();
                }
            });
        }
        if (ev instanceof ReservationExpired ex) {
            if (ex.reservationId() == null) {
                return Uni.createFrom().voidItem(); // a waiter timed out: no reservation existed
            }
            return upsert(s, ex.reservationId(), ex.library(), at, r -> {
                r.identify(ex.owner(), ex.drive(), null, null, ex.token());
                if (r.advanceTo(ReservationState.expired, at)) {
                    r.endReason = ex.what() == null ? "expired" : ex.what() + " expired";
                }
            });
        }
        if (ev instanceof ReservationBroken b) {
            return upsert(s, b.reservationId(), b.library(), at, r -> {
                r.identify(b.owner(), b.drive(), null, null, b.token());
                if (r.advanceTo(ReservationState.broken, at)) {
                    r.endReason = "broken by " + b.operator() + (b.scope() == null ? "" : " (" + b.scope() + ")")
                            + (b.reason() == null ? "" : ": " + b.reason());
                }
            });
        }
        if (ev instanceof LeaseRenewed lr) {
            return s.find(Reservation.class, lr.reservationId()).invoke(r -> {
                if (r != null) {
                    r.extendLease(lr.leaseExpiresAt(), at);
                }
            }).replaceWithVoid();
        }
        if (ev instanceof io.drivebus.schemas.reservation.ReservationSetReady sr) {
            Uni<Void> all = Uni.createFrom().voidItem();
            for (io.drivebus.schemas.reservation.SetMember m : sr.members()) {
                all = all.chain(() -> upsert(s, m.reservationId(), sr.library(), at, r -> {
                    r.identify(sr.owner(), m.drive(), m.slot(), m.label(), m.token());
                    r.devicePath = m.devicePath() != null ? m.devicePath() : r.devicePath;
                    r.correlationId = r.correlationId != null ? r.correlationId : e.correlationId();
                    r.extendLease(sr.leaseExpiresAt(), at);
                    r.advanceTo(ReservationState.ready, at);
                }));
            }
            return all;
        }
        if (ev instanceof io.drivebus.schemas.reservation.ReservationDenied d && d.reservationId() != null
                && d.reservationId().equals(e.correlationId())) {
            // a denial answering the reserve itself: its load failed after the grant, which (with a set's members) ends
            return endGrants(s, d.reservationId(), ReservationState.denied, "load failed: " + d.error().message(), at);
        }
        if (ev instanceof io.drivebus.schemas.reservation.ReservationCancelled c && e.correlationId() != null) {
            // withdrawn: a waiter (no reservation row) or a grant still loading
            return endGrants(s, e.correlationId(), ReservationState.cancelled, "cancelled by " + c.owner(), at);
        }
        if (ev instanceof ChangerResult c) {
            return applyChanger(s, c, at);
        }
        // queued, other denials: they concern requests, not reservations; kept in the history
        return Uni.createFrom().voidItem();
    }

    // ---- changer results ------------------------------------------------------------------------------------

    /**
     * Amanda's {@code info} and current slot, and the labels operators recorded. A result older than the one the
     * library row shows ({@code changer_at}) changes nothing. Vendor and fast-search are the agent's status's word:
     * a result only fills them in for a library whose first status has not been projected yet (so the outcome does
     * not depend on which topic is read first).
     */
    Uni<Void> applyChanger(Mutiny.Session s, ChangerResult c, Instant at) {
        String sql = """
                INSERT INTO library (id, vendor, fast_search, current_slot, num_slots, changer_at)
                VALUES (:id, CAST(:vendor AS varchar), :fast, :current, :num, :at)
                ON CONFLICT (id) DO UPDATE SET current_slot = EXCLUDED.current_slot, num_slots = EXCLUDED.num_slots,
                    changer_at = EXCLUDED.changer_at,
                    vendor = CASE WHEN library.status_sequence < 0 THEN EXCLUDED.vendor ELSE library.vendor END,
                    fast_search = CASE WHEN library.status_sequence < 0 THEN EXCLUDED.fast_search ELSE library.fast_search END
                WHERE library.changer_at IS NULL OR library.changer_at <= EXCLUDED.changer_at""";
        return s.createNativeQuery(sql)
                .setParameter("id", c.library())
                .setParameter("vendor", c.vendor())
                .setParameter("fast", c.fastSearch())
                .setParameter("current", c.currentSlot())
                .setParameter("num", c.numSlots())
                .setParameter("at", at)
                .executeUpdate()
                .chain(n -> {
                    if (n == 0) {
                        LOG.debugf("stale changer result of %s (%s) ignored", c.library(), at);
                        return Uni.createFrom().voidItem();
                    }
                    // null: a result from before recorded labels were sent; what we have stands
                    return c.recordedLabels() == null ? Uni.createFrom().voidItem() : recordLabels(s, c.library(), c.recordedLabels());
                });
    }

    /** The result lists every recorded label of the library: replace, don't merge (a rescanned slot drops out). */
    private Uni<Void> recordLabels(Mutiny.Session s, String library, List<RecordedLabel> labels) {
        Uni<Void> all = s.createNativeQuery("DELETE FROM recorded_label WHERE library_id = :lib").setParameter("lib", library)
                .executeUpdate().replaceWithVoid();
        for (int from = 0; from < labels.size(); from += ROWS_PER_STATEMENT) {
            List<RecordedLabel> chunk = labels.subList(from, Math.min(labels.size(), from + ROWS_PER_STATEMENT));
            StringBuilder sql = new StringBuilder("INSERT INTO recorded_label (library_id, slot, label) VALUES ");
            for (int i = 0; i < chunk.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append("(:lib, :n").append(i).append(", :l").append(i).append(')');
            }
            sql.append(" ON CONFLICT (library_id, slot) DO UPDATE SET label = EXCLUDED.label");
            all = all.chain(() -> {
                Mutiny.Query<?> q = s.createNativeQuery(sql.toString()).setParameter("lib", library);
                for (int i = 0; i < chunk.size(); i++) {
                    q.setParameter("n" + i, chunk.get(i).slot()).setParameter("l" + i, chunk.get(i).label() == null ? "" : chunk.get(i).label());
                }
                return q.executeUpdate().replaceWithVoid();
            });
        }
        return all;
    }

    /** Ends the reservation named {@code id}, or the members of the set it names ({@code <id>/<index>}). */
    private Uni<Void> endGrants(Mutiny.Session s, String id, ReservationState state, String why, Instant at) {
        return s.createQuery("from Reservation r where r.id = :id or r.id like :members", Reservation.class)
                .setParameter("id", id).setParameter("members", likePrefix(id) + "/%")
                .getResultList().invoke(rs -> rs.forEach(r -> {
                    if (r.advanceTo(state, at)) {
                        r.endReason = why;
                    }
                })).replaceWithVoid();
    }

    private Uni<Void> upsert(Mutiny.Session s, String id, String library, Instant at, java.util.function.Consumer<Reservation> change) {
        return s.find(Reservation.class, id).chain(found -> {
            if (found != null) {
                change.accept(found);
                return Uni.createFrom().voidItem();
            }
            Reservation r = Reservation.create(id, library, at);
            change.accept(r);
            return s.persist(r);
        });
    }

    // ---- history --------------------------------------------------------------------------------------------

    /** A history entry, and what it touched (drives, volumes, jobs) in the same statement. */
    private Uni<Void> history(Mutiny.Session s, Envelope<?> e, String reservationId, String drive, String json, Subjects subjects) {
        String insert = """
                INSERT INTO event_history (event_id, library_id, type, occurred_at, reservation_id, drive_id, correlation_id, json)
                VALUES (:id, :lib, :type, :at, CAST(:rid AS varchar), CAST(:drive AS varchar), CAST(:cid AS varchar), CAST(:json AS jsonb))""";
        StringBuilder sql = new StringBuilder();
        List<String[]> touched = subjects.list();
        if (touched.isEmpty()) {
            sql.append(insert);
        } else {
            sql.append("WITH h AS (").append(insert).append(" RETURNING id, event_id, library_id) ")
                    .append("INSERT INTO event_subject (event_seq, event_id, library_id, kind, name) SELECT h.id, h.event_id, h.library_id, ")
                    .append("v.kind, v.name FROM h, (VALUES ");
            for (int i = 0; i < touched.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append("(CAST(:k").append(i).append(" AS varchar), CAST(:n").append(i).append(" AS varchar))");
            }
            sql.append(") AS v (kind, name)");
        }
        Mutiny.Query<?> q = s.createNativeQuery(sql.toString());
        for (int i = 0; i < touched.size(); i++) {
            q.setParameter("k" + i, touched.get(i)[0]).setParameter("n" + i, touched.get(i)[1]);
        }
        return q.setParameter("id", e.id())
                .setParameter("lib", e.payload().library())
                .setParameter("type", e.type())
                .setParameter("at", e.occurredAt())
                .setParameter("rid", reservationId)
                .setParameter("drive", drive)
                .setParameter("cid", e.correlationId())
                .setParameter("json", json)
                .executeUpdate()
                .replaceWithVoid();
    }

    /** What one event touched: drives, volumes (label and barcode), jobs; each once, in the order found. */
    static final class Subjects {
        private final java.util.LinkedHashSet<List<String>> found = new java.util.LinkedHashSet<>();
        /** The reservations the event concerns, as projected now. */
        final List<Reservation> reservations = new java.util.ArrayList<>();

        Subjects add(String kind, String name) {
            if (name != null && !name.isBlank()) {
                found.add(List.of(kind, name));
            }
            return this;
        }

        Subjects reservation(Reservation r) {
            if (r != null) {
                reservations.add(r);
                add("drive", r.driveId).add("volume", r.label).add("volume", r.barcode).add("job", r.job);
            }
            return this;
        }

        List<String[]> list() {
            return found.stream().map(k -> k.toArray(String[]::new)).toList();
        }
    }

    Uni<Subjects> subjects(Mutiny.Session s, Envelope<?> e, DeviceCommandResult r) {
        Subjects subjects = new Subjects().add("drive", r.drive()).add("volume", r.label()).add("volume", r.barcode());
        if (r.reservationId() == null) {
            return Uni.createFrom().item(subjects);
        }
        return s.find(Reservation.class, r.reservationId()).map(subjects::reservation);
    }

    /** The event's own drive, volume and job, and those of the reservations it concerns, as projected now. */
    Uni<Subjects> subjects(Mutiny.Session s, Envelope<?> e, ReservationEvent ev) {
        Subjects subjects = new Subjects().add("drive", driveOf(ev));
        if (ev instanceof ReservationGranted g) {
            subjects.add("volume", g.label()).add("job", g.job());
        } else if (ev instanceof ReservationReady rd) {
            subjects.add("volume", rd.label()).add("volume", rd.barcode());
        } else if (ev instanceof ChangerResult c && c.recordedLabels() != null && c.slots() != null) {
            // a label recorded by this very operation (the list holds every recorded label of the library)
            c.recordedLabels().stream().filter(l -> c.slots().contains(l.slot())).forEach(l -> subjects.add("volume", l.label()));
        }
        if (ev instanceof io.drivebus.schemas.reservation.ReservationSetReady sr) {
            Uni<Subjects> all = Uni.createFrom().item(subjects);
            for (io.drivebus.schemas.reservation.SetMember m : sr.members()) {
                subjects.add("drive", m.drive()).add("volume", m.label());
                all = all.chain(x -> s.find(Reservation.class, m.reservationId()).map(x::reservation));
            }
            return all;
        }
        String set = ev instanceof io.drivebus.schemas.reservation.ReservationCancelled ? e.correlationId()
                : ev instanceof io.drivebus.schemas.reservation.ReservationDenied d ? d.reservationId() : null;
        if (set != null) {
            // a cancel or a failed load ends a reservation or a set's members (see endGrants)
            return s.createQuery("from Reservation r where r.id = :id or r.id like :members", Reservation.class)
                    .setParameter("id", set).setParameter("members", likePrefix(set) + "/%")
                    .getResultList().map(rs -> {
                        rs.forEach(subjects::reservation);
                        return subjects;
                    });
        }
        String rid = reservationId(ev);
        return rid == null ? Uni.createFrom().item(subjects) : s.find(Reservation.class, rid).map(subjects::reservation);
    }

    /** Events that may fill in what a reservation is (its drive, volume, job): see backfill. */
    private static boolean identifies(ReservationEvent ev) {
        return ev instanceof ReservationGranted || ev instanceof ReservationReady || ev instanceof ReservationReleased
                || ev instanceof ReservationExpired || ev instanceof ReservationBroken
                || ev instanceof io.drivebus.schemas.reservation.ReservationSetReady;
    }

    /**
     * Gives every earlier history entry of these reservations their drive, volume and job too. A command result (another
     * topic) may be projected before the grant that says whose job it serves; this way what an entry touched does not
     * depend on which topic was read first (a reservation's identity is set once, so the union is the same either way).
     */
    private Uni<Void> backfill(Mutiny.Session s, List<Reservation> reservations) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (Reservation r : reservations) {
            List<String[]> touched = new Subjects().reservation(r).list();
            if (touched.isEmpty()) {
                continue;
            }
            StringBuilder sql = new StringBuilder("INSERT INTO event_subject (event_seq, event_id, library_id, kind, name) SELECT h.id, ")
                    .append("h.event_id, h.library_id, v.kind, v.name FROM event_history h, (VALUES ");
            for (int i = 0; i < touched.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append("(CAST(:k").append(i).append(" AS varchar), CAST(:n").append(i).append(" AS varchar))");
            }
            sql.append(") AS v (kind, name) WHERE h.reservation_id = :rid ON CONFLICT DO NOTHING");
            all = all.chain(() -> {
                Mutiny.Query<?> q = s.createNativeQuery(sql.toString()).setParameter("rid", r.id);
                for (int i = 0; i < touched.size(); i++) {
                    q.setParameter("k" + i, touched.get(i)[0]).setParameter("n" + i, touched.get(i)[1]);
                }
                return q.executeUpdate().replaceWithVoid();
            });
        }
        return all;
    }

    private static String likePrefix(String id) {
        return id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    /** What the live stream says about an applied record. */
    static Change change(Envelope<? extends Payload> e) {
        Payload p = e.payload();
        if (p instanceof ReservationEvent r) {
            return Change.of(e, reservationId(r), driveOf(r));
        }
        if (p instanceof DeviceCommandResult r) {
            return Change.of(e, r.reservationId(), r.drive());
        }
        return Change.of(e, null, null);
    }

    static String reservationId(ReservationEvent ev) {
        if (ev instanceof ReservationGranted g) {
            return g.reservationId();
        }
        if (ev instanceof ReservationReady r) {
            return r.reservationId();
        }
        if (ev instanceof ReservationReleased r) {
            return r.reservationId();
        }
        if (ev instanceof ReservationExpired r) {
            return r.reservationId();
        }
        if (ev instanceof ReservationBroken r) {
            return r.reservationId();
        }
        if (ev instanceof LeaseRenewed r) {
            return r.reservationId();
        }
        if (ev instanceof io.drivebus.schemas.reservation.ReservationDenied d) {
            return d.reservationId();
        }
        return null;
    }

    static String driveOf(ReservationEvent ev) {
        if (ev instanceof ReservationGranted g) {
            return g.drive();
        }
        if (ev instanceof ReservationReady r) {
            return r.drive();
        }
        if (ev instanceof ReservationReleased r) {
            return r.drive();
        }
        if (ev instanceof ReservationExpired r) {
            return r.drive();
        }
        if (ev instanceof ReservationBroken r) {
            return r.drive();
        }
        if (ev instanceof ChangerResult c) {
            return c.drive(); // the drive an eject emptied
        }
        return null;
    }
}
