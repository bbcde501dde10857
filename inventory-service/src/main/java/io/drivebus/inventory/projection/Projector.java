package io.drivebus.inventory.projection;

import io.drivebus.inventory.live.Change;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.LeaseRenewed;
import io.drivebus.schemas.reservation.RecordedLabel;
import io.drivebus.schemas.reservation.ReservationBroken;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationExpired;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Applies decoded records, in their order, to the read model inside the caller's transaction. Every record is safe to
 * see again (its envelope id is recorded with it, and a known id changes nothing) and safe against records arriving
 * late: statuses by sequence, drive and slot changes by agent time, reservations by state rank.
 *
 * <p>Why records go in lists and a handful of statements per list: one statement (and round trip, and the client's
 * and PostgreSQL's CPU for it) per record kept the projection at a few hundred records per second. A list's envelope
 * ids are recorded with one statement; command results and reservation events are applied in memory to the rows
 * they touch, read (and locked) with one statement per table, and the changed rows written back with one statement
 * per table ({@link EventRun}); a status rewrites its library with the same few set-based statements as ever.
 *
 * <p>Locks are taken in one order, library &lt; drive &lt; slot, each by key, so that the status and the command-result
 * batches, applied concurrently, wait for each other but do not deadlock.
 */
@ApplicationScoped
public class Projector {

    private static final Logger LOG = Logger.getLogger(Projector.class);

    /** One record to apply: a decoded envelope with the JSON it came as, or (no envelope) a status tombstone. */
    public record Item(String topic, String library, Envelope<? extends Payload> envelope, String json) {
        public static Item tombstone(String topic, String library) {
            return new Item(topic, library, null, null);
        }

        boolean tombstone() {
            return envelope == null;
        }

        /** Statuses and tombstones rewrite a library with set-based statements; the other records are applied in memory. */
        boolean rewritesLibrary() {
            return tombstone() || envelope.payload() instanceof LibraryStatus;
        }
    }

    /**
     * Applies the items in order; returns what the live stream tells of them, one change per item applied (not for a
     * record whose envelope id was already applied).
     */
    public Uni<List<Change>> apply(SqlConnection c, List<Item> items) {
        return firstTimes(c, items).chain(fresh -> {
            List<Item> todo = new ArrayList<>();
            for (Item i : items) {
                if (i.tombstone() || fresh.remove(i.envelope().id())) {
                    todo.add(i);
                } else {
                    LOG.debugf("%s %s already applied, skipped", i.envelope().type(), i.envelope().id());
                }
            }
            List<Change> changes = new ArrayList<>();
            Uni<Void> all = Uni.createFrom().voidItem();
            // runs of statuses and runs of other records, in their order (a live batch is one topic: one run)
            for (int from = 0; from < todo.size();) {
                boolean statuses = todo.get(from).rewritesLibrary();
                int to = from;
                while (to < todo.size() && todo.get(to).rewritesLibrary() == statuses) {
                    to++;
                }
                List<Item> run = todo.subList(from, to);
                all = all.chain(() -> statuses ? statuses(c, run, changes) : new EventRun(run, changes).apply(c));
                from = to;
            }
            return all.replaceWith(changes);
        });
    }

    /** Records the envelope ids; returns those not applied before (then nothing else must happen for the others). */
    private static Uni<Set<String>> firstTimes(SqlConnection c, List<Item> items) {
        List<String> ids = new ArrayList<>();
        List<String> topics = new ArrayList<>();
        for (Item i : items) {
            if (!i.tombstone()) {
                ids.add(i.envelope().id());
                topics.add(i.topic());
            }
        }
        if (ids.isEmpty()) {
            return Uni.createFrom().item(new HashSet<>());
        }
        return c.preparedQuery("INSERT INTO processed_event (event_id, topic) SELECT * FROM unnest($1::varchar[], $2::varchar[]) "
                        + "ON CONFLICT DO NOTHING RETURNING event_id")
                .execute(Tuple.of(ids.toArray(String[]::new), topics.toArray(String[]::new)))
                .map(rows -> {
                    Set<String> fresh = new HashSet<>();
                    rows.forEach(r -> fresh.add(r.getString(0)));
                    return fresh;
                });
    }

    // ---- device status --------------------------------------------------------------------------------------

    private Uni<Void> statuses(SqlConnection c, List<Item> run, List<Change> changes) {
        String[] libraries = run.stream().map(Item::library).distinct().sorted().toArray(String[]::new);
        Tuple ids = Tuple.of(libraries);
        Uni<Void> done = all(List.of(
                c.preparedQuery("SELECT id FROM library WHERE id = ANY($1::varchar[]) ORDER BY id FOR NO KEY UPDATE").execute(ids),
                c.preparedQuery("SELECT 1 FROM drive WHERE library_id = ANY($1::varchar[]) ORDER BY library_id, drive_id FOR UPDATE")
                        .execute(ids),
                c.preparedQuery("SELECT 1 FROM slot WHERE library_id = ANY($1::varchar[]) ORDER BY library_id, slot FOR UPDATE")
                        .execute(ids)));
        for (Item i : run) {
            done = done.chain(() -> {
                if (i.tombstone()) {
                    changes.add(Change.removed(i.library()));
                    return removeLibrary(c, i.library());
                }
                changes.add(change(i.envelope()));
                return applyStatus(c, (LibraryStatus) i.envelope().payload(), i.envelope().occurredAt());
            });
        }
        return done;
    }

    /** A tombstone on the compacted status topic: the library is gone (its drives and slots go with it). */
    private static Uni<Void> removeLibrary(SqlConnection c, String library) {
        return c.preparedQuery("DELETE FROM library WHERE id = $1").execute(Tuple.of(library))
                .invoke(rows -> LOG.infof("library %s removed (tombstone), %d row(s)", library, rows.rowCount()))
                .replaceWithVoid();
    }

    private static Uni<Void> applyStatus(SqlConnection c, LibraryStatus st, Instant at) {
        String sql = """
                INSERT INTO library (id, host, driver, vendor, fast_search, heartbeat_interval_ms, status_sequence, last_status_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, driver = EXCLUDED.driver, vendor = EXCLUDED.vendor,
                    fast_search = EXCLUDED.fast_search, heartbeat_interval_ms = EXCLUDED.heartbeat_interval_ms,
                    status_sequence = EXCLUDED.status_sequence, last_status_at = EXCLUDED.last_status_at
                WHERE library.status_sequence < EXCLUDED.status_sequence""";
        return c.preparedQuery(sql)
                .execute(Tuple.from(java.util.Arrays.asList(st.library(), st.host(), st.driver(), st.vendor(), st.fastSearch(),
                        st.heartbeatIntervalMs(), st.sequence(), time(at))))
                .chain(rows -> {
                    if (rows.rowCount() == 0) {
                        // at or below the stored sequence: an older status delivered late, or a duplicate
                        LOG.debugf("stale status of %s (sequence %d) ignored", st.library(), st.sequence());
                        return Uni.createFrom().voidItem();
                    }
                    return all(List.of(upsertDrives(c, st, at), upsertSlots(c, st, at)));
                });
    }

    private static Uni<?> upsertDrives(SqlConnection c, LibraryStatus st, Instant at) {
        List<DriveStatus> drives = st.drives() == null ? List.of() : st.drives();
        List<Uni<?>> statements = new ArrayList<>();
        if (!drives.isEmpty()) {
            // what the drive is (device path, media type) is the status's word; what is in it is the newer news: a
            // row changed by a command result newer than this status keeps that state (also one the result created
            // before the library's first status was projected)
            String sql = "INSERT INTO drive (library_id, drive_id, device_path, state, media_type, label, barcode, source_slot, error, "
                    + "highest_token, state_at) SELECT CAST($1 AS varchar), v.*, CAST($2 AS timestamptz) "
                    + "FROM unnest($3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::varchar[], $8::varchar[], "
                    + "$9::integer[], $10::varchar[], $11::bigint[]) AS v "
                    + "ON CONFLICT (library_id, drive_id) DO UPDATE SET device_path = EXCLUDED.device_path, "
                    + "media_type = EXCLUDED.media_type, highest_token = GREATEST(drive.highest_token, EXCLUDED.highest_token), "
                    + newer("drive", "state", "label", "barcode", "source_slot", "error")
                    + ", state_at = GREATEST(drive.state_at, EXCLUDED.state_at)";
            statements.add(c.preparedQuery(sql).execute(Tuple.from(List.of(st.library(), time(at),
                    drives.stream().map(DriveStatus::id).toArray(String[]::new),
                    drives.stream().map(DriveStatus::devicePath).toArray(String[]::new),
                    drives.stream().map(d -> d.state().name()).toArray(String[]::new),
                    drives.stream().map(DriveStatus::mediaType).toArray(String[]::new),
                    drives.stream().map(DriveStatus::label).toArray(String[]::new),
                    drives.stream().map(DriveStatus::barcode).toArray(String[]::new),
                    drives.stream().map(DriveStatus::sourceSlot).toArray(Integer[]::new),
                    drives.stream().map(DriveStatus::error).toArray(String[]::new),
                    drives.stream().map(DriveStatus::highestToken).toArray(Long[]::new)))));
        }
        // drives the agent no longer reports (older than this status) are gone
        statements.add(c.preparedQuery("DELETE FROM drive WHERE library_id = $1 AND (state_at IS NULL OR state_at < $2)")
                .execute(Tuple.of(st.library(), time(at))));
        return all(statements);
    }

    private static Uni<?> upsertSlots(SqlConnection c, LibraryStatus st, Instant at) {
        List<SlotStatus> slots = st.slots() == null ? List.of() : st.slots();
        List<Uni<?>> statements = new ArrayList<>();
        if (!slots.isEmpty()) {
            // one statement of arrays, whatever the number of slots (no parameter limit to stay under)
            String sql = "INSERT INTO slot (library_id, slot, state, label, barcode, import_export, state_at) "
                    + "SELECT CAST($1 AS varchar), v.*, CAST($2 AS timestamptz) "
                    + "FROM unnest($3::integer[], $4::varchar[], $5::varchar[], $6::varchar[], $7::boolean[]) AS v "
                    + "ON CONFLICT (library_id, slot) DO UPDATE SET import_export = EXCLUDED.import_export, "
                    + newer("slot", "state", "label", "barcode") + ", state_at = GREATEST(slot.state_at, EXCLUDED.state_at)";
            statements.add(c.preparedQuery(sql).execute(Tuple.from(List.of(st.library(), time(at),
                    slots.stream().map(SlotStatus::slot).toArray(Integer[]::new),
                    slots.stream().map(s -> s.state().name()).toArray(String[]::new),
                    slots.stream().map(SlotStatus::label).toArray(String[]::new),
                    slots.stream().map(SlotStatus::barcode).toArray(String[]::new),
                    slots.stream().map(SlotStatus::importExport).toArray(Boolean[]::new)))));
        }
        statements.add(c.preparedQuery("DELETE FROM slot WHERE library_id = $1 AND (state_at IS NULL OR state_at < $2)")
                .execute(Tuple.of(st.library(), time(at))));
        return all(statements);
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

    // ---- changer results ------------------------------------------------------------------------------------

    /**
     * Amanda's {@code info} and current slot, and the labels operators recorded. A result older than the one the
     * library row shows ({@code changer_at}) changes nothing. Vendor and fast-search are the agent's status's word:
     * a result only fills them in for a library whose first status has not been projected yet (so the outcome does
     * not depend on which topic is read first).
     */
    static Uni<Void> applyChanger(SqlConnection c, ChangerResult r, Instant at) {
        String sql = """
                INSERT INTO library (id, vendor, fast_search, current_slot, num_slots, changer_at)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (id) DO UPDATE SET current_slot = EXCLUDED.current_slot, num_slots = EXCLUDED.num_slots,
                    changer_at = EXCLUDED.changer_at,
                    vendor = CASE WHEN library.status_sequence < 0 THEN EXCLUDED.vendor ELSE library.vendor END,
                    fast_search = CASE WHEN library.status_sequence < 0 THEN EXCLUDED.fast_search ELSE library.fast_search END
                WHERE library.changer_at IS NULL OR library.changer_at <= EXCLUDED.changer_at""";
        return c.preparedQuery(sql)
                .execute(Tuple.from(java.util.Arrays.asList(r.library(), r.vendor(), r.fastSearch(), r.currentSlot(), r.numSlots(),
                        time(at))))
                .chain(rows -> {
                    if (rows.rowCount() == 0) {
                        LOG.debugf("stale changer result of %s (%s) ignored", r.library(), at);
                        return Uni.createFrom().voidItem();
                    }
                    // null: a result from before recorded labels were sent; what we have stands
                    return r.recordedLabels() == null ? Uni.createFrom().voidItem() : recordLabels(c, r.library(), r.recordedLabels());
                });
    }

    /** The result lists every recorded label of the library: replace, don't merge (a rescanned slot drops out). */
    private static Uni<Void> recordLabels(SqlConnection c, String library, List<RecordedLabel> labels) {
        List<Uni<?>> statements = new ArrayList<>();
        statements.add(c.preparedQuery("DELETE FROM recorded_label WHERE library_id = $1").execute(Tuple.of(library)));
        if (!labels.isEmpty()) {
            statements.add(c.preparedQuery("INSERT INTO recorded_label (library_id, slot, label) SELECT CAST($1 AS varchar), v.* "
                            + "FROM unnest($2::integer[], $3::varchar[]) AS v "
                            + "ON CONFLICT (library_id, slot) DO UPDATE SET label = EXCLUDED.label")
                    .execute(Tuple.of(library, labels.stream().map(RecordedLabel::slot).toArray(Integer[]::new),
                            labels.stream().map(l -> l.label() == null ? "" : l.label()).toArray(String[]::new))));
        }
        return all(statements);
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
        if (ev instanceof ReservationDenied d) {
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

    static OffsetDateTime time(Instant at) {
        return at == null ? null : at.atOffset(ZoneOffset.UTC);
    }

    /** The statements together (pipelined on the connection, in list order); fails if any fails. */
    static Uni<Void> all(List<? extends Uni<?>> statements) {
        if (statements.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.combine().all().unis(statements).discardItems();
    }
}
