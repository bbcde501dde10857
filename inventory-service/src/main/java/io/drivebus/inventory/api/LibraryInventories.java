package io.drivebus.inventory.api;

import io.drivebus.inventory.Rows;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.inventory.api.Views.DriveView;
import io.drivebus.inventory.api.Views.Inventory;
import io.drivebus.inventory.api.Views.SlotView;
import io.drivebus.inventory.library.Drive;
import io.drivebus.inventory.library.Library;
import io.drivebus.inventory.live.ChangeFeed;
import io.drivebus.inventory.reservation.Reservation;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Library inventories, serialized once per change of the library and kept as their JSON bytes.
 *
 * <p>Freshness, with any number of replicas: every change the projection applies to a library gives it a new version
 * ({@code library_version}, written with the change's NOTIFY in the applying transaction, {@link ChangeFeed#notify}).
 * A request reads that version (one primary-key lookup) and is answered from the cache only if the inventory there was
 * built at that very version, so a change is visible on the next request, also on a replica the NOTIFY has not reached
 * yet. The change feed evicts a changed library's inventory on every replica: memory is not held by stale inventories.
 *
 * <p>{@code agentOnline} depends on the clock too: an inventory is kept for the agent state it was built with, and built
 * again once the agent's heartbeats are overdue.
 */
@ApplicationScoped
public class LibraryInventories {

    /** A library's inventory as JSON, with its entity tag (the library's version and whether its agent is online). */
    public record Json(byte[] body, String etag) {
    }

    /** One library's inventory as built at {@code version}; {@code offlineAfter}: when its agent is overdue (null: never online). */
    private record Built(long version, Instant offlineAfter, boolean agentOnline, Json json) {
        boolean agentOnlineAt(Instant now) {
            return offlineAfter != null && !offlineAfter.isBefore(now);
        }
    }

    // the statements, prepared by the reactive client (IndexTest checks their generic plans)
    public static final String VERSION = "SELECT version FROM library_version WHERE library_id = $1";
    public static final String LIBRARY = "SELECT " + Rows.LIBRARY + " FROM library WHERE id = $1";
    public static final String DRIVES = "SELECT " + Rows.DRIVE + " FROM drive WHERE library_id = $1 ORDER BY drive_id";
    /** The slots with the label an operator recorded for each ({@code recorded}; "" = forgotten, null = none). */
    public static final String SLOTS = "SELECT s.library_id, s.slot, s.state, s.label, s.barcode, s.import_export, r.label AS recorded "
            + "FROM slot s LEFT JOIN recorded_label r ON r.library_id = s.library_id AND r.slot = s.slot "
            + "WHERE s.library_id = $1 ORDER BY s.slot";
    public static final String ACTIVE_RESERVATIONS = "SELECT " + Rows.RESERVATION + " FROM reservation WHERE library_id = $1 AND state IN "
            + Rows.ACTIVE;
    public static final String QUEUE = "SELECT request_id, owner_key, owner_site, position, queued_at FROM waiter "
            + "WHERE library_id = $1 AND ended_at IS NULL ORDER BY position, queued_at";

    @Inject
    Pool pool;

    @Inject
    ObjectMapper json;

    @Inject
    ChangeFeed feed;

    /** Bytes of JSON kept at most; beyond, inventories are dropped (and built again when asked for). */
    @ConfigProperty(name = "drivebus.inventory.cache-bytes", defaultValue = "67108864")
    long maxBytes;

    private final Map<String, Built> cached = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();

    void listen(@Observes StartupEvent ev) {
        feed.onChange(this::evict);
    }

    /** The library's inventory as of now; a 404 problem when no agent has reported the library. */
    public Uni<Json> inventory(String library) {
        Tuple id = Tuple.of(library);
        return pool.preparedQuery(VERSION).execute(id).chain(rows -> {
            Long version = rows.size() == 0 ? null : rows.iterator().next().getLong(0);
            Built b = version == null ? null : cached.get(library);
            Instant now = Instant.now();
            if (b != null && b.version == version && b.agentOnline == b.agentOnlineAt(now)) {
                return Uni.createFrom().item(b.json);
            }
            return build(library, id).map(built -> {
                keep(library, built);
                return built.json;
            });
        });
    }

    /**
     * Reads the library in one snapshot (repeatable read, so the version names exactly what was read), its statements
     * pipelined on one connection: one round trip for the six of them.
     */
    private Uni<Built> build(String library, Tuple id) {
        return pool.withTransaction(c -> c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute()
                .chain(() -> Uni.combine().all().unis(query(c, VERSION, id), query(c, LIBRARY, id), query(c, DRIVES, id),
                        query(c, SLOTS, id), query(c, ACTIVE_RESERVATIONS, id), query(c, QUEUE, id)).asTuple()))
                .map(rows -> {
                    if (rows.getItem2().size() == 0) {
                        throw ProblemException.notFound("no library '" + library + "' has been reported");
                    }
                    // no version without a library row only if it was written outside the projection: not kept then
                    long version = rows.getItem1().size() == 0 ? -1 : rows.getItem1().iterator().next().getLong(0);
                    Library l = Rows.library(rows.getItem2().iterator().next());
                    List<Drive> drives = new ArrayList<>(rows.getItem3().size());
                    rows.getItem3().forEach(r -> drives.add(Rows.drive(r)));
                    List<SlotRow> slots = new ArrayList<>(rows.getItem4().size());
                    rows.getItem4().forEach(r -> slots.add(new SlotRow(Rows.slot(r), r.getString("recorded"))));
                    List<Reservation> active = new ArrayList<>(rows.getItem5().size());
                    rows.getItem5().forEach(r -> active.add(Rows.reservation(r)));
                    List<Views.WaiterView> queue = new ArrayList<>(rows.getItem6().size());
                    rows.getItem6().forEach(r -> queue.add(Rows.waiter(r)));
                    Instant now = Instant.now();
                    boolean online = Views.agentOnline(l, now);
                    Inventory inventory = inventory(l, online, drives, slots, active, queue);
                    String etag = "\"" + (version < 0 ? "x" : Long.toString(version)) + (online ? "-online" : "-offline") + "\"";
                    return new Built(version, offlineAfter(l), online, new Json(write(inventory), etag));
                });
    }

    private static Uni<RowSet<Row>> query(SqlConnection c, String sql, Tuple args) {
        return c.preparedQuery(sql).execute(args);
    }

    private record SlotRow(io.drivebus.inventory.library.Slot slot, String recorded) {
    }

    private static Inventory inventory(Library l, boolean agentOnline, List<Drive> drives, List<SlotRow> slots, List<Reservation> active,
            List<Views.WaiterView> queue) {
        // should two active reservations name one slot or drive, the latest grant (highest token) is shown
        Comparator<Reservation> latest = Comparator.comparing(r -> r.token == null ? -1L : r.token);
        Map<Integer, Reservation> bySlot = active.stream().filter(r -> r.slot != null)
                .collect(Collectors.toMap(r -> r.slot, Function.identity(), (a, b) -> latest.compare(a, b) >= 0 ? a : b, HashMap::new));
        Map<String, Reservation> byDrive = active.stream().filter(r -> r.driveId != null)
                .collect(Collectors.toMap(r -> r.driveId, Function.identity(), (a, b) -> latest.compare(a, b) >= 0 ? a : b, HashMap::new));
        List<SlotView> slotViews = new ArrayList<>(slots.size());
        for (SlotRow s : slots) {
            slotViews.add(SlotView.of(s.slot, bySlot.get(s.slot.slot), s.recorded, s.slot.slot.equals(l.currentSlot)));
        }
        List<DriveView> driveViews = new ArrayList<>(drives.size());
        for (Drive d : drives) {
            driveViews.add(DriveView.of(d, byDrive.get(d.driveId)));
        }
        return new Inventory(l.id, l.host, l.driver, l.vendor, l.fastSearch, l.numSlots, l.currentSlot, l.statusSequence, l.lastStatusAt,
                agentOnline, slotViews, driveViews, queue);
    }

    /** The last instant at which {@link Views#agentOnline} holds for the library (null: it never does). */
    private static Instant offlineAfter(Library l) {
        if (l.lastStatusAt == null) {
            return null;
        }
        long interval = l.heartbeatIntervalMs == null ? 1 : Math.max(1, l.heartbeatIntervalMs);
        return l.lastStatusAt.plusMillis(interval * Views.MISSED_HEARTBEATS_OFFLINE);
    }

    private byte[] write(Inventory inventory) {
        try {
            return json.writeValueAsBytes(inventory);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an inventory that cannot be written as JSON", e);
        }
    }

    private void keep(String library, Built built) {
        if (built.version < 0 || built.json.body.length > maxBytes) {
            return;
        }
        Built old = cached.put(library, built);
        bytes.addAndGet(built.json.body.length - (old == null ? 0 : old.json.body.length));
        // over the budget: drop others (in no particular order) until under it again
        for (Iterator<Map.Entry<String, Built>> it = cached.entrySet().iterator(); bytes.get() > maxBytes && it.hasNext(); ) {
            Map.Entry<String, Built> e = it.next();
            if (!e.getKey().equals(library)) {
                evict(e.getKey());
            }
        }
    }

    void evict(String library) {
        Built old = cached.remove(library);
        if (old != null) {
            bytes.addAndGet(-old.json.body.length);
        }
    }
}
