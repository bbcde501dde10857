package io.drivebus.inventory.projection;

import io.drivebus.inventory.Rows;

import static io.drivebus.inventory.projection.Projector.all;
import static io.drivebus.inventory.projection.Projector.applyChanger;
import static io.drivebus.inventory.projection.Projector.change;
import static io.drivebus.inventory.projection.Projector.driveOf;
import static io.drivebus.inventory.projection.Projector.reservationId;
import static io.drivebus.inventory.projection.Projector.time;

import io.drivebus.inventory.library.Drive;
import io.drivebus.inventory.library.Slot;
import io.drivebus.inventory.live.Change;
import io.drivebus.inventory.projection.Projector.Item;
import io.drivebus.inventory.reservation.Reservation;
import io.drivebus.inventory.reservation.ReservationState;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.LeaseRenewed;
import io.drivebus.schemas.reservation.ReservationBroken;
import io.drivebus.schemas.reservation.ReservationCancelled;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationExpired;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ReservationSetReady;
import io.drivebus.schemas.reservation.SetMember;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * A run of command results and reservation events: the rows they touch are read (drives and slots locked, by key)
 * in a few statements, the records applied to them in memory, in order, exactly as they would be one transaction
 * after the other, and what changed written back in a few statements.
 */
public final class EventRun {

    private static final Logger LOG = Logger.getLogger(EventRun.class);

    record DriveId(String library, String drive) {
        static final Comparator<DriveId> ORDER = Comparator.comparing(DriveId::library).thenComparing(DriveId::drive);
    }

    record SlotId(String library, int slot) {
        static final Comparator<SlotId> ORDER = Comparator.comparing(SlotId::library).thenComparingInt(SlotId::slot);
    }

    /** A waiting request, as the wait queue's row. */
    static final class Waiter {
        String requestId;
        String libraryId;
        String ownerKey;
        String ownerSite;
        int position;
        Instant queuedAt;
        Instant updatedAt;
        Instant endedAt;
        String endType;
    }

    /** A history entry to write, with what it touched. */
    record HistoryEntry(Envelope<?> envelope, String reservationId, String drive, String json, List<String[]> subjects) {
    }

    /** A subject to give every history entry of a reservation before the entry {@code upTo} of this run (see backfill). */
    record Backfill(String reservationId, String kind, String name, int upTo) {
    }
    private final List<Item> run;
    private final List<Change> changes;
    private final Map<DriveId, Drive> drives = new HashMap<>();
    private final Map<SlotId, Slot> slots = new HashMap<>();
    private final Map<String, Reservation> reservations = new HashMap<>();
    private final Map<String, Waiter> waiters = new HashMap<>();
    /** Rows to insert (not in the database when read) and rows to update; insertion-ordered for a stable write. */
    private final Set<Object> created = new HashSet<>();
    private final Set<Object> changed = new LinkedHashSet<>();
    private final List<HistoryEntry> history = new ArrayList<>();
    private final List<Backfill> backfills = new ArrayList<>();
    /** What every history entry of a reservation already has: its drive, volumes and job as read, and as backfilled since. */
    private final Map<String, Set<List<String>>> known = new HashMap<>();
    /** Changer results' statements on library and recorded_label (nothing else in a run touches those rows). */
    private final List<Function<SqlConnection, Uni<Void>>> changers = new ArrayList<>();

    EventRun(List<Item> run, List<Change> changes) {
        this.run = run;
        this.changes = changes;
    }

    Uni<Void> apply(SqlConnection c) {
        return read(c).chain(() -> {
            for (Item i : run) {
                applyOne(i.envelope(), i.json());
                changes.add(change(i.envelope()));
            }
            return write(c);
        });
    }

    // ---- read ------------------------------------------------------------------------------------------

    private Uni<Void> read(SqlConnection c) {
        Set<String> resultLibraries = new TreeSet<>();
        Set<String> changerLibraries = new TreeSet<>();
        Set<DriveId> driveIds = new TreeSet<>(DriveId.ORDER);
        Set<SlotId> slotIds = new TreeSet<>(SlotId.ORDER);
        Set<String> reservationIds = new HashSet<>();
        Set<String> reservationSets = new HashSet<>();
        Set<String> requestIds = new HashSet<>();
        Set<String> resultReservations = new HashSet<>();
        for (Item i : run) {
            Envelope<? extends Payload> e = i.envelope();
            if (e.payload() instanceof DeviceCommandResult r) {
                if (moves(r)) {
                    resultLibraries.add(r.library());
                    driveIds.add(new DriveId(r.library(), r.drive()));
                    if (r.slot() != null) {
                        slotIds.add(new SlotId(r.library(), r.slot()));
                    }
                }
                if (r.reservationId() != null) {
                    reservationIds.add(r.reservationId());
                    resultReservations.add(r.reservationId());
                }
            } else if (e.payload() instanceof ReservationEvent ev) {
                if (e.correlationId() != null
                        && (ev instanceof ReservationQueued || ev instanceof ReservationGranted || ev.endsRequest())) {
                    requestIds.add(e.correlationId());
                }
                if (reservationId(ev) != null) {
                    reservationIds.add(reservationId(ev));
                }
                if (ev instanceof ReservationSetReady sr) {
                    sr.members().forEach(m -> reservationIds.add(m.reservationId()));
                }
                if (set(e, ev) != null) {
                    reservationSets.add(set(e, ev));
                }
                if (ev instanceof ChangerResult) {
                    changerLibraries.add(ev.library());
                }
            }
        }
        List<Uni<?>> reads = new ArrayList<>();
        if (!resultReservations.isEmpty()) {
            // before the reservations are read (see backfill)
            reads.add(c.preparedQuery(LOCK_RESERVATIONS).execute(Tuple.of(resultReservations.toArray(String[]::new))));
        }
        if (!resultLibraries.isEmpty()) {
            // a result may come before its library's first status (different topics): the drive row needs its library
            reads.add(c.preparedQuery("INSERT INTO library (id) SELECT * FROM unnest($1::varchar[]) ORDER BY 1 ON CONFLICT DO NOTHING")
                    .execute(Tuple.of(resultLibraries.toArray(String[]::new))));
        }
        if (!changerLibraries.isEmpty()) {
            reads.add(c.preparedQuery("SELECT id FROM library WHERE id = ANY($1::varchar[]) ORDER BY id FOR NO KEY UPDATE")
                    .execute(Tuple.of(changerLibraries.toArray(String[]::new))));
        }
        if (!driveIds.isEmpty()) {
            reads.add(c.preparedQuery("SELECT " + DRIVE_COLUMNS + " FROM drive WHERE (library_id, drive_id) IN "
                            + "(SELECT * FROM unnest($1::varchar[], $2::varchar[])) ORDER BY library_id, drive_id FOR UPDATE")
                    .execute(Tuple.of(driveIds.stream().map(DriveId::library).toArray(String[]::new),
                            driveIds.stream().map(DriveId::drive).toArray(String[]::new)))
                    .invoke(rows -> rows.forEach(r -> {
                        Drive d = Rows.drive(r);
                        drives.put(new DriveId(d.libraryId, d.driveId), d);
                        if (d.sourceSlot != null) {
                            // where a volume in it may go back to
                            slotIds.add(new SlotId(d.libraryId, d.sourceSlot));
                        }
                    })));
        }
        if (!reservationIds.isEmpty() || !reservationSets.isEmpty()) {
            reservationIds.addAll(reservationSets);
            String[] patterns = reservationSets.stream().map(s -> likePrefix(s) + "/%").toArray(String[]::new);
            reads.add(c.preparedQuery(RESERVATIONS + (patterns.length == 0 ? "" : RESERVATION_SET_MEMBERS))
                    .execute(patterns.length == 0 ? Tuple.of(reservationIds.toArray(String[]::new))
                            : Tuple.of(reservationIds.toArray(String[]::new), patterns))
                    .invoke(rows -> rows.forEach(r -> {
                        Reservation v = Rows.reservation(r);
                        reservations.put(v.id, v);
                        known.put(v.id, Subjects.of(v));
                    })));
        }
        if (!requestIds.isEmpty()) {
            reads.add(c.preparedQuery(WAITERS)
                    .execute(Tuple.of(requestIds.toArray(String[]::new)))
                    .invoke(rows -> rows.forEach(r -> {
                        Waiter w = readWaiter(r);
                        waiters.put(w.requestId, w);
                    })));
        }
        // slots after drives (a drive's source slot is one of them), locked in the same order as a status locks them
        return all(reads).chain(() -> slotIds.isEmpty() ? Uni.createFrom().voidItem()
                : c.preparedQuery("SELECT " + SLOT_COLUMNS + " FROM slot WHERE (library_id, slot) IN "
                                + "(SELECT * FROM unnest($1::varchar[], $2::integer[])) ORDER BY library_id, slot FOR UPDATE")
                        .execute(Tuple.of(slotIds.stream().map(SlotId::library).toArray(String[]::new),
                                slotIds.stream().map(SlotId::slot).toArray(Integer[]::new)))
                        .invoke(rows -> rows.forEach(r -> {
                            Slot s = Rows.slot(r);
                            slots.put(new SlotId(s.libraryId, s.slot), s);
                        }))
                        .replaceWithVoid());
    }

    // ---- apply, in memory ------------------------------------------------------------------------------

    private void applyOne(Envelope<? extends Payload> e, String json) {
        Payload p = e.payload();
        // applied first, then written to the history: what an event touched (a job, a volume) may be known only from
        // the reservation it names, as the projection now has it
        if (p instanceof DeviceCommandResult r) {
            applyResult(r, e.occurredAt());
            Subjects subjects = new Subjects().add("drive", r.drive()).add("volume", r.label()).add("volume", r.barcode());
            if (r.reservationId() != null) {
                subjects.reservation(reservations.get(r.reservationId()));
            }
            history.add(new HistoryEntry(e, r.reservationId(), r.drive(), json, subjects.list()));
        } else if (p instanceof ReservationEvent ev) {
            queue(e, ev);
            applyReservationState(e, ev);
            Subjects subjects = subjects(e, ev);
            history.add(new HistoryEntry(e, reservationId(ev), driveOf(ev), json, subjects.list()));
            if (identifies(ev)) {
                for (Reservation r : subjects.reservations) {
                    Set<List<String>> had = known.computeIfAbsent(r.id, id -> new HashSet<>());
                    for (List<String> s : Subjects.of(r)) {
                        if (had.add(s)) {
                            backfills.add(new Backfill(r.id, s.get(0), s.get(1), history.size() - 1));
                        }
                    }
                }
            }
        } else {
            LOG.debugf("nothing to project for %s", e.type());
        }
    }

    private void applyResult(DeviceCommandResult r, Instant at) {
        if (!moves(r)) {
            // failed or refused: nothing moved for sure; the agent's next status tells what the hardware looks like
            return;
        }
        DriveId id = new DriveId(r.library(), r.drive());
        Drive d = drives.get(id);
        if (d == null) {
            // the result came before the library's status (different topics): keep what it says, so the status that
            // follows cannot put older state over it; the status fills in the rest
            LOG.debugf("result for drive %s/%s before its library's status", r.library(), r.drive());
            d = new Drive();
            d.libraryId = r.library();
            d.driveId = r.drive();
            d.state = "empty";
            drives.put(id, d);
            created.add(d);
        }
        changed.add(d);
        // the agent ran the command under this token, so it has seen it
        d.highestToken = Math.max(d.highestToken, r.token());
        if (!d.olderThan(at)) {
            return;
        }
        switch (r.action()) {
            case load -> load(d, r, at);
            case unload, eject -> unload(d, r, at);
            case label, read_label -> {
                if (r.label() != null) {
                    d.label = r.label();
                    d.barcode = r.barcode() != null ? r.barcode() : d.barcode;
                    d.stateAt = at;
                }
            }
            default -> {
            }
        }
    }

    private void load(Drive d, DeviceCommandResult r, Instant at) {
        // a volume that was in the drive went back to its source slot before this one came in
        if (d.label != null && d.sourceSlot != null && !Objects.equals(d.sourceSlot, r.slot()) && !Objects.equals(d.label, r.label())) {
            fillSlot(d.libraryId, d.sourceSlot, d.label, d.barcode, at);
        }
        d.state = "loaded";
        d.label = r.label();
        d.barcode = r.barcode();
        d.sourceSlot = r.slot();
        d.error = null;
        d.stateAt = at;
        if (r.slot() == null) {
            return;
        }
        Slot target = slot(d.libraryId, r.slot());
        if (target.olderThan(at)) {
            target.state = SlotState.EMPTY.name();
            target.label = null;
            target.barcode = null;
            target.stateAt = at;
        }
    }

    private void unload(Drive d, DeviceCommandResult r, Instant at) {
        Integer target = r.slot() != null ? r.slot() : d.sourceSlot;
        String label = r.label() != null ? r.label() : d.label;
        String barcode = r.barcode() != null ? r.barcode() : d.barcode;
        d.state = "empty";
        d.label = null;
        d.barcode = null;
        d.sourceSlot = null;
        d.error = null;
        d.stateAt = at;
        if (target != null) {
            fillSlot(d.libraryId, target, label, barcode, at);
        }
    }

    private void fillSlot(String library, int slotNo, String label, String barcode, Instant at) {
        Slot target = slot(library, slotNo);
        if (target.olderThan(at)) {
            target.state = SlotState.FULL.name();
            target.label = label;
            target.barcode = barcode;
            target.stateAt = at;
        }
    }

    /** The slot row, or a new one a command result names before any status listed it (statuses fill in the rest). */
    private Slot slot(String library, int slotNo) {
        Slot slot = slots.computeIfAbsent(new SlotId(library, slotNo), k -> {
            Slot fresh = new Slot();
            fresh.libraryId = library;
            fresh.slot = slotNo;
            fresh.state = SlotState.UNKNOWN.name();
            created.add(fresh);
            return fresh;
        });
        changed.add(slot);
        return slot;
    }

    /**
     * The wait queue: {@code queued} (sent again whenever the position changes) keeps a waiter per request id;
     * the request's answer (granted, denied, expired, cancelled — correlated to the request id) ends it.
     */
    private void queue(Envelope<? extends Payload> e, ReservationEvent ev) {
        String requestId = e.correlationId();
        if (requestId == null) {
            return;
        }
        Waiter w = waiters.get(requestId);
        Instant at = e.occurredAt();
        if (ev instanceof ReservationQueued q) {
            if (w == null) {
                w = new Waiter();
                w.requestId = requestId;
                w.libraryId = q.library();
                w.ownerKey = q.owner().key();
                w.ownerSite = q.owner().site();
                w.position = q.position();
                w.queuedAt = at;
                w.updatedAt = at;
                waiters.put(requestId, w);
                changed.add(w);
            } else if (w.endedAt == null && !w.updatedAt.isAfter(at)) {
                w.position = q.position();
                w.updatedAt = at;
                changed.add(w);
            }
        } else if ((ev instanceof ReservationGranted || ev.endsRequest()) && w != null && w.endedAt == null) {
            w.endedAt = at;
            w.endType = e.type();
            changed.add(w);
        }
    }

    private void applyReservationState(Envelope<? extends Payload> e, ReservationEvent ev) {
        Instant at = e.occurredAt();
        if (ev instanceof ReservationGranted g) {
            upsert(g.reservationId(), g.library(), at, r -> {
                r.identify(g.owner(), g.drive(), g.slot(), g.label(), g.token());
                r.job = r.job != null ? r.job : g.job();
                r.host = r.host != null ? r.host : g.host();
                r.devicePath = r.devicePath != null ? r.devicePath : g.devicePath();
                // the grant answers the reserve request: its correlation id is the request id
                r.correlationId = r.correlationId != null ? r.correlationId : e.correlationId();
                r.extendLease(g.leaseExpiresAt(), at);
                r.advanceTo(ReservationState.granted, at);
            });
        } else if (ev instanceof ReservationReady rd) {
            upsert(rd.reservationId(), rd.library(), at, r -> {
                r.identify(rd.owner(), rd.drive(), rd.slot(), rd.label(), rd.token());
                // ready is the agent-verified truth about the device and the volume
                r.devicePath = rd.devicePath() != null ? rd.devicePath() : r.devicePath;
                r.barcode = rd.barcode() != null ? rd.barcode() : r.barcode;
                r.correlationId = r.correlationId != null ? r.correlationId : e.correlationId();
                r.extendLease(rd.leaseExpiresAt(), at);
                r.advanceTo(ReservationState.ready, at);
            });
        } else if (ev instanceof ReservationReleased rl) {
            upsert(rl.reservationId(), rl.library(), at, r -> {
                r.identify(rl.owner(), rl.drive(), null, null, rl.token());
                if (r.advanceTo(ReservationState.released, at)) {
                    r.endReason = "released by " + rl.owner();
                }
            });
        } else if (ev instanceof ReservationExpired ex) {
            if (ex.reservationId() != null) { // else a waiter timed out: no reservation existed
                upsert(ex.reservationId(), ex.library(), at, r -> {
                    r.identify(ex.owner(), ex.drive(), null, null, ex.token());
                    if (r.advanceTo(ReservationState.expired, at)) {
                        r.endReason = ex.what() == null ? "expired" : ex.what() + " expired";
                    }
                });
            }
        } else if (ev instanceof ReservationBroken b) {
            upsert(b.reservationId(), b.library(), at, r -> {
                r.identify(b.owner(), b.drive(), null, null, b.token());
                if (r.advanceTo(ReservationState.broken, at)) {
                    r.endReason = "broken by " + b.operator() + (b.scope() == null ? "" : " (" + b.scope() + ")")
                            + (b.reason() == null ? "" : ": " + b.reason());
                }
            });
        } else if (ev instanceof LeaseRenewed lr) {
            Reservation r = reservations.get(lr.reservationId());
            if (r != null) {
                r.extendLease(lr.leaseExpiresAt(), at);
                changed.add(r);
            }
        } else if (ev instanceof ReservationSetReady sr) {
            for (SetMember m : sr.members()) {
                upsert(m.reservationId(), sr.library(), at, r -> {
                    r.identify(sr.owner(), m.drive(), m.slot(), m.label(), m.token());
                    r.devicePath = m.devicePath() != null ? m.devicePath() : r.devicePath;
                    r.correlationId = r.correlationId != null ? r.correlationId : e.correlationId();
                    r.extendLease(sr.leaseExpiresAt(), at);
                    r.advanceTo(ReservationState.ready, at);
                });
            }
        } else if (ev instanceof ReservationDenied d && d.reservationId() != null && d.reservationId().equals(e.correlationId())) {
            // a denial answering the reserve itself: its load failed after the grant, which (with a set's members) ends
            endGrants(d.reservationId(), ReservationState.denied, "load failed: " + d.error().message(), at);
        } else if (ev instanceof ReservationCancelled c && e.correlationId() != null) {
            // withdrawn: a waiter (no reservation row) or a grant still loading
            endGrants(e.correlationId(), ReservationState.cancelled, "cancelled by " + c.owner(), at);
        } else if (ev instanceof ChangerResult c) {
            changers.add(conn -> applyChanger(conn, c, at));
        }
        // queued, other denials: they concern requests, not reservations; kept in the history
    }

    private void upsert(String id, String library, Instant at, Consumer<Reservation> change) {
        Reservation r = reservations.get(id);
        if (r == null) {
            r = Reservation.create(id, library, at);
            reservations.put(id, r);
            created.add(r);
        }
        change.accept(r);
        changed.add(r);
    }

    /** Ends the reservation named {@code id}, or the members of the set it names ({@code <id>/<index>}). */
    private void endGrants(String id, ReservationState state, String why, Instant at) {
        for (Reservation r : members(id)) {
            if (r.advanceTo(state, at)) {
                r.endReason = why;
                changed.add(r);
            }
        }
    }

    /** The reservation {@code id} and the members of the set it names, by id (all were read, or made in this run). */
    private List<Reservation> members(String id) {
        return reservations.values().stream().filter(r -> r.id.equals(id) || r.id.startsWith(id + "/"))
                .sorted(Comparator.comparing(r -> r.id)).toList();
    }

    /** The event's own drive, volume and job, and those of the reservations it concerns, as projected now. */
    private Subjects subjects(Envelope<?> e, ReservationEvent ev) {
        Subjects subjects = new Subjects().add("drive", driveOf(ev));
        if (ev instanceof ReservationGranted g) {
            subjects.add("volume", g.label()).add("job", g.job());
        } else if (ev instanceof ReservationReady rd) {
            subjects.add("volume", rd.label()).add("volume", rd.barcode());
        } else if (ev instanceof ChangerResult c && c.recordedLabels() != null && c.slots() != null) {
            // a label recorded by this very operation (the list holds every recorded label of the library)
            c.recordedLabels().stream().filter(l -> c.slots().contains(l.slot())).forEach(l -> subjects.add("volume", l.label()));
        }
        if (ev instanceof ReservationSetReady sr) {
            sr.members().forEach(m -> subjects.add("drive", m.drive()).add("volume", m.label()));
            sr.members().forEach(m -> subjects.reservation(reservations.get(m.reservationId())));
            return subjects;
        }
        String set = set(e, ev);
        if (set != null) {
            // a cancel or a failed load ends a reservation or a set's members (see endGrants)
            members(set).forEach(subjects::reservation);
            return subjects;
        }
        String rid = reservationId(ev);
        return rid == null ? subjects : subjects.reservation(reservations.get(rid));
    }

    // ---- write -----------------------------------------------------------------------------------------

    private Uni<Void> write(SqlConnection c) {
        List<Drive> newDrives = new ArrayList<>();
        List<Drive> oldDrives = new ArrayList<>();
        List<Slot> newSlots = new ArrayList<>();
        List<Slot> oldSlots = new ArrayList<>();
        List<Reservation> newReservations = new ArrayList<>();
        List<Reservation> oldReservations = new ArrayList<>();
        List<Waiter> touchedWaiters = new ArrayList<>();
        for (Object row : changed) {
            boolean fresh = created.contains(row);
            if (row instanceof Drive d) {
                (fresh ? newDrives : oldDrives).add(d);
            } else if (row instanceof Slot s) {
                (fresh ? newSlots : oldSlots).add(s);
            } else if (row instanceof Reservation r) {
                (fresh ? newReservations : oldReservations).add(r);
            } else if (row instanceof Waiter w) {
                touchedWaiters.add(w);
            }
        }
        // pipelined on the one connection: sent together, executed in this order
        List<Uni<?>> writes = new ArrayList<>();
        if (!backfills.isEmpty()) {
            // before the backfill's snapshot, held to the commit (see backfill)
            writes.add(c.preparedQuery(LOCK_RESERVATIONS)
                    .execute(Tuple.of(backfills.stream().map(Backfill::reservationId).distinct().toArray(String[]::new))));
        }
        if (!newDrives.isEmpty() || !oldDrives.isEmpty()) {
            writes.add(writeDrives(c, newDrives, oldDrives));
        }
        if (!newSlots.isEmpty() || !oldSlots.isEmpty()) {
            writes.add(writeSlots(c, newSlots, oldSlots));
        }
        if (!newReservations.isEmpty() || !oldReservations.isEmpty()) {
            writes.add(writeReservations(c, newReservations, oldReservations));
        }
        if (!touchedWaiters.isEmpty()) {
            writes.add(writeWaiters(c, touchedWaiters));
        }
        if (!changers.isEmpty()) {
            Uni<Void> inOrder = Uni.createFrom().voidItem();
            for (Function<SqlConnection, Uni<Void>> changer : changers) {
                inOrder = inOrder.chain(() -> changer.apply(c));
            }
            writes.add(inOrder);
        }
        if (!history.isEmpty()) {
            writes.add(writeHistory(c).chain(seqs -> backfill(c, seqs)));
        }
        return all(writes);
    }

    /** New rows are inserted without ON CONFLICT: one a concurrent status inserted meanwhile fails the batch, retried. */
    private static Uni<?> writeDrives(SqlConnection c, List<Drive> fresh, List<Drive> old) {
        List<Uni<?>> statements = new ArrayList<>();
        String values = "unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::integer[], "
                + "$7::varchar[], $8::bigint[], $9::timestamptz[]) AS v (library_id, drive_id, state, label, barcode, source_slot, "
                + "error, highest_token, state_at)";
        if (!fresh.isEmpty()) {
            statements.add(c.preparedQuery("INSERT INTO drive (library_id, drive_id, state, label, barcode, source_slot, error, "
                    + "highest_token, state_at) SELECT * FROM " + values).execute(drives(fresh)));
        }
        if (!old.isEmpty()) {
            statements.add(c.preparedQuery("UPDATE drive SET state = v.state, label = v.label, barcode = v.barcode, source_slot = "
                    + "v.source_slot, error = v.error, highest_token = v.highest_token, state_at = v.state_at FROM " + values
                    + " WHERE drive.library_id = v.library_id AND drive.drive_id = v.drive_id").execute(drives(old)));
        }
        return all(statements);
    }

    private static Tuple drives(List<Drive> ds) {
        return Tuple.from(List.of(
                ds.stream().map(d -> d.libraryId).toArray(String[]::new),
                ds.stream().map(d -> d.driveId).toArray(String[]::new),
                ds.stream().map(d -> d.state).toArray(String[]::new),
                ds.stream().map(d -> d.label).toArray(String[]::new),
                ds.stream().map(d -> d.barcode).toArray(String[]::new),
                ds.stream().map(d -> d.sourceSlot).toArray(Integer[]::new),
                ds.stream().map(d -> d.error).toArray(String[]::new),
                ds.stream().map(d -> d.highestToken).toArray(Long[]::new),
                ds.stream().map(d -> time(d.stateAt)).toArray(OffsetDateTime[]::new)));
    }

    private static Uni<?> writeSlots(SqlConnection c, List<Slot> fresh, List<Slot> old) {
        List<Uni<?>> statements = new ArrayList<>();
        String values = "unnest($1::varchar[], $2::integer[], $3::varchar[], $4::varchar[], $5::varchar[], $6::timestamptz[]) "
                + "AS v (library_id, slot, state, label, barcode, state_at)";
        if (!fresh.isEmpty()) {
            statements.add(c.preparedQuery("INSERT INTO slot (library_id, slot, state, label, barcode, state_at) SELECT * FROM " + values)
                    .execute(slots(fresh)));
        }
        if (!old.isEmpty()) {
            statements.add(c.preparedQuery("UPDATE slot SET state = v.state, label = v.label, barcode = v.barcode, state_at = v.state_at "
                    + "FROM " + values + " WHERE slot.library_id = v.library_id AND slot.slot = v.slot").execute(slots(old)));
        }
        return all(statements);
    }

    private static Tuple slots(List<Slot> ss) {
        return Tuple.from(List.of(
                ss.stream().map(s -> s.libraryId).toArray(String[]::new),
                ss.stream().map(s -> s.slot).toArray(Integer[]::new),
                ss.stream().map(s -> s.state).toArray(String[]::new),
                ss.stream().map(s -> s.label).toArray(String[]::new),
                ss.stream().map(s -> s.barcode).toArray(String[]::new),
                ss.stream().map(s -> time(s.stateAt)).toArray(OffsetDateTime[]::new)));
    }

    private static Uni<?> writeReservations(SqlConnection c, List<Reservation> fresh, List<Reservation> old) {
        List<Uni<?>> statements = new ArrayList<>();
        String values = "unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], "
                + "$7::varchar[], $8::varchar[], $9::integer[], $10::varchar[], $11::varchar[], $12::bigint[], $13::varchar[], "
                + "$14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::timestamptz[], $18::varchar[], $19::varchar[]) "
                + "AS v (" + RESERVATION_COLUMNS + ")";
        if (!fresh.isEmpty()) {
            statements.add(c.preparedQuery("INSERT INTO reservation (" + RESERVATION_COLUMNS + ") SELECT * FROM " + values)
                    .execute(reservations(fresh)));
        }
        if (!old.isEmpty()) {
            StringBuilder set = new StringBuilder();
            for (String column : RESERVATION_COLUMNS.split(", ")) {
                if (!column.equals("id")) {
                    set.append(set.length() == 0 ? "" : ", ").append(column).append(" = v.").append(column);
                }
            }
            statements.add(c.preparedQuery("UPDATE reservation SET " + set + " FROM " + values + " WHERE reservation.id = v.id")
                    .execute(reservations(old)));
        }
        return all(statements);
    }

    private static Tuple reservations(List<Reservation> rs) {
        return Tuple.from(List.of(
                rs.stream().map(r -> r.id).toArray(String[]::new),
                rs.stream().map(r -> r.libraryId).toArray(String[]::new),
                rs.stream().map(r -> r.ownerKey).toArray(String[]::new),
                rs.stream().map(r -> r.ownerSite).toArray(String[]::new),
                rs.stream().map(r -> r.job).toArray(String[]::new),
                rs.stream().map(r -> r.driveId).toArray(String[]::new),
                rs.stream().map(r -> r.host).toArray(String[]::new),
                rs.stream().map(r -> r.devicePath).toArray(String[]::new),
                rs.stream().map(r -> r.slot).toArray(Integer[]::new),
                rs.stream().map(r -> r.label).toArray(String[]::new),
                rs.stream().map(r -> r.barcode).toArray(String[]::new),
                rs.stream().map(r -> r.token).toArray(Long[]::new),
                rs.stream().map(r -> r.state == null ? null : r.state.name()).toArray(String[]::new),
                rs.stream().map(r -> time(r.leaseExpiresAt)).toArray(OffsetDateTime[]::new),
                rs.stream().map(r -> time(r.createdAt)).toArray(OffsetDateTime[]::new),
                rs.stream().map(r -> time(r.updatedAt)).toArray(OffsetDateTime[]::new),
                rs.stream().map(r -> time(r.endedAt)).toArray(OffsetDateTime[]::new),
                rs.stream().map(r -> r.endReason).toArray(String[]::new),
                rs.stream().map(r -> r.correlationId).toArray(String[]::new)));
    }

    private static Uni<?> writeWaiters(SqlConnection c, List<Waiter> ws) {
        return c.preparedQuery("INSERT INTO waiter (request_id, library_id, owner_key, owner_site, position, queued_at, updated_at, "
                        + "ended_at, end_type) SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], "
                        + "$5::integer[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::varchar[]) "
                        + "ON CONFLICT (request_id) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at, "
                        + "ended_at = EXCLUDED.ended_at, end_type = EXCLUDED.end_type")
                .execute(Tuple.from(List.of(
                        ws.stream().map(w -> w.requestId).toArray(String[]::new),
                        ws.stream().map(w -> w.libraryId).toArray(String[]::new),
                        ws.stream().map(w -> w.ownerKey).toArray(String[]::new),
                        ws.stream().map(w -> w.ownerSite).toArray(String[]::new),
                        ws.stream().map(w -> w.position).toArray(Integer[]::new),
                        ws.stream().map(w -> time(w.queuedAt)).toArray(OffsetDateTime[]::new),
                        ws.stream().map(w -> time(w.updatedAt)).toArray(OffsetDateTime[]::new),
                        ws.stream().map(w -> time(w.endedAt)).toArray(OffsetDateTime[]::new),
                        ws.stream().map(w -> w.endType).toArray(String[]::new))));
    }

    /** The history entries in their order, and what each touched, in one statement; returns their ids in that order. */
    private Uni<long[]> writeHistory(SqlConnection c) {
        List<String> subjectEvents = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (HistoryEntry h : history) {
            for (String[] s : h.subjects()) {
                subjectEvents.add(h.envelope().id());
                kinds.add(s[0]);
                names.add(s[1]);
            }
        }
        String sql = """
                WITH h AS (
                    INSERT INTO event_history (event_id, library_id, type, occurred_at, reservation_id, drive_id, correlation_id, json)
                    SELECT e, l, t, a, r, d, c, CAST(j AS jsonb)
                    FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::varchar[], $6::varchar[],
                                $7::varchar[], $8::text[]) WITH ORDINALITY AS v (e, l, t, a, r, d, c, j, n)
                    ORDER BY n
                    RETURNING id, event_id, library_id),
                s AS (
                    INSERT INTO event_subject (event_seq, event_id, library_id, kind, name)
                    SELECT h.id, h.event_id, h.library_id, v.k, v.m FROM h JOIN unnest($9::varchar[], $10::varchar[], $11::varchar[])
                        AS v (e, k, m) ON v.e = h.event_id)
                SELECT id, event_id FROM h""";
        return c.preparedQuery(sql).execute(Tuple.from(List.of(
                        history.stream().map(h -> h.envelope().id()).toArray(String[]::new),
                        history.stream().map(h -> h.envelope().payload().library()).toArray(String[]::new),
                        history.stream().map(h -> h.envelope().type()).toArray(String[]::new),
                        history.stream().map(h -> time(h.envelope().occurredAt())).toArray(OffsetDateTime[]::new),
                        history.stream().map(HistoryEntry::reservationId).toArray(String[]::new),
                        history.stream().map(HistoryEntry::drive).toArray(String[]::new),
                        history.stream().map(h -> h.envelope().correlationId()).toArray(String[]::new),
                        history.stream().map(HistoryEntry::json).toArray(String[]::new),
                        subjectEvents.toArray(String[]::new), kinds.toArray(String[]::new), names.toArray(String[]::new))))
                .map(rows -> {
                    Map<String, Long> byEvent = new HashMap<>();
                    rows.forEach(r -> byEvent.put(r.getString("event_id"), r.getLong("id")));
                    return history.stream().mapToLong(h -> byEvent.get(h.envelope().id())).toArray();
                });
    }

    /**
     * Gives the earlier history entries of a reservation what an event of this run newly learnt it touches (its job,
     * drive, volumes): a command result (another topic) may be projected before the grant that says whose job it serves,
     * so what an entry touched does not depend on which topic was read first. As one record after the other would
     * have: an event's backfill reaches the entries before it in this run ({@code upTo}) and every entry of other
     * transactions.
     *
     * <p>Only what is new is offered: every committed entry already has what its reservation was known to touch when
     * the entry was written, or got it from this backfill. What makes that hold is the one race: a command result
     * projected while a grant is, reading the reservation before the grant commits. So the two are serialised on the
     * reservation ({@link #LOCK_RESERVATIONS}): a result run takes its reservations' locks before reading them, and a run
     * that learns something new takes them before this statement, holding them to its commit. Whichever is second
     * sees the other's work: the result reads the identified reservation, or the backfill reads the result's entry.
     * (Re-offering everything at every identifying event, as before, was a fifth of PostgreSQL's time at 2,000 events/s.)
     */
    private Uni<Void> backfill(SqlConnection c, long[] seqs) {
        if (backfills.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String sql = """
                INSERT INTO event_subject (event_seq, event_id, library_id, kind, name)
                SELECT h.id, h.event_id, h.library_id, v.k, v.m
                FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::bigint[]) AS v (r, k, m, upto)
                JOIN event_history h ON h.reservation_id = v.r AND (h.id < v.upto OR h.id <> ALL($5::bigint[]))
                ON CONFLICT DO NOTHING""";
        return c.preparedQuery(sql).execute(Tuple.from(List.of(
                        backfills.stream().map(Backfill::reservationId).toArray(String[]::new),
                        backfills.stream().map(Backfill::kind).toArray(String[]::new),
                        backfills.stream().map(Backfill::name).toArray(String[]::new),
                        backfills.stream().map(b -> seqs[b.upTo()]).toArray(Long[]::new),
                        java.util.Arrays.stream(seqs).boxed().toArray(Long[]::new))))
                .replaceWithVoid();
    }

    /** What one event touched: drives, volumes (label and barcode), jobs; each once, in the order found. */
    static final class Subjects {
        private final LinkedHashSet<List<String>> found = new LinkedHashSet<>();
        /** The reservations the event concerns, as projected now. */
        final List<Reservation> reservations = new ArrayList<>();

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

        /** What a reservation's history entries touch, as (kind, name) pairs. */
        static Set<List<String>> of(Reservation r) {
            return new HashSet<>(new Subjects().reservation(r).found);
        }
    }

    /** A result that moved a volume: done, on a drive. */
    private static boolean moves(DeviceCommandResult r) {
        return r.outcome() == CommandOutcome.done && r.drive() != null;
    }

    /** The reservation (or set) a cancel or a denial concerns: it and a set's members are ended (see endGrants). */
    private static String set(Envelope<?> e, ReservationEvent ev) {
        return ev instanceof ReservationCancelled ? e.correlationId() : ev instanceof ReservationDenied d ? d.reservationId() : null;
    }

    /** Events that may fill in what a reservation is (its drive, volume, job): see backfill. */
    private static boolean identifies(ReservationEvent ev) {
        return ev instanceof ReservationGranted || ev instanceof ReservationReady || ev instanceof ReservationReleased
                || ev instanceof ReservationExpired || ev instanceof ReservationBroken || ev instanceof ReservationSetReady;
    }

    /**
     * Serialises the runs of the two topics on the reservations given (see backfill): transaction-scoped advisory locks,
     * in a key space of their own, taken in key order so that two runs cannot each hold a lock the other waits for.
     * The first key is that space, any constant: Flyway, the other user of advisory locks here, takes single 64-bit
     * keys, which PostgreSQL keeps apart from pairs. Two ids with the same hash merely wait for each other.
     */
    static final String LOCK_RESERVATIONS = "SELECT count(pg_advisory_xact_lock(1685222258, k)) FROM "
            + "(SELECT DISTINCT hashtext(id) AS k FROM unnest($1::varchar[]) AS id ORDER BY k) AS keys";

    private static String likePrefix(String id) {
        return id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    static final String DRIVE_COLUMNS = "library_id, drive_id, device_path, state, media_type, label, barcode, source_slot, error, "
            + "highest_token, state_at";
    static final String SLOT_COLUMNS = "library_id, slot, state, label, barcode, import_export, state_at";
    static final String RESERVATION_COLUMNS = Rows.RESERVATION;

    /*
     * A run's reservations and waiters by id: one primary-key lookup per id. With "id = ANY($1)" PostgreSQL scanned the
     * whole table and compared each row with every id of the array (it underestimates that cost): 8 ms a run at 24,000
     * reservations, and growing with them, as ended reservations and waiters stay. OFFSET 0 keeps the lookups from being
     * turned back into a join.
     */
    public static final String RESERVATIONS = "SELECT r.* FROM unnest($1::varchar[]) AS v (id) CROSS JOIN LATERAL (SELECT "
            + RESERVATION_COLUMNS + " FROM reservation WHERE id = v.id OFFSET 0) r";
    /** The members of sets ({@code requestId/n}), by prefix: rare, and not by index. */
    static final String RESERVATION_SET_MEMBERS = " UNION SELECT " + RESERVATION_COLUMNS + " FROM reservation WHERE id LIKE ANY($2::varchar[])";
    public static final String WAITERS = "SELECT w.* FROM unnest($1::varchar[]) AS v (id) CROSS JOIN LATERAL (SELECT request_id, library_id, "
            + "owner_key, owner_site, position, queued_at, updated_at, ended_at, end_type FROM waiter WHERE request_id = v.id OFFSET 0) w";

    private static Waiter readWaiter(Row r) {
        Waiter w = new Waiter();
        w.requestId = r.getString("request_id");
        w.libraryId = r.getString("library_id");
        w.ownerKey = r.getString("owner_key");
        w.ownerSite = r.getString("owner_site");
        w.position = r.getInteger("position");
        w.queuedAt = instant(r, "queued_at");
        w.updatedAt = instant(r, "updated_at");
        w.endedAt = instant(r, "ended_at");
        w.endType = r.getString("end_type");
        return w;
    }

    private static Instant instant(Row r, String column) {
        OffsetDateTime t = r.getOffsetDateTime(column);
        return t == null ? null : t.toInstant();
    }
}
