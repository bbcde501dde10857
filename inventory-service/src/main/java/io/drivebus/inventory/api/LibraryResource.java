package io.drivebus.inventory.api;

import io.drivebus.inventory.api.Views.DriveView;
import io.drivebus.inventory.api.Views.HistoryEntry;
import io.drivebus.inventory.api.Views.Inventory;
import io.drivebus.inventory.api.Views.LibrarySummary;
import io.drivebus.inventory.api.Views.SlotView;
import io.drivebus.inventory.library.Drive;
import io.drivebus.inventory.library.Library;
import io.drivebus.inventory.library.Slot;
import io.drivebus.inventory.reservation.Reservation;
import io.drivebus.inventory.reservation.ReservationState;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.hibernate.reactive.mutiny.Mutiny;

@Path("/api/libraries")
@Produces(MediaType.APPLICATION_JSON)
public class LibraryResource {

    static final List<ReservationState> ACTIVE = List.of(ReservationState.granted, ReservationState.ready);

    @Inject
    Mutiny.SessionFactory sessions;

    @GET
    @Operation(summary = "Every library the agents have reported, with counts")
    public Uni<List<LibrarySummary>> list() {
        return sessions.withSession(s -> s.createSelectionQuery("from Library order by id", Library.class).getResultList()
                .chain(libraries -> counts(s, "select libraryId, count(*) from Drive group by libraryId", false)
                        .chain(drives -> counts(s, "select libraryId, count(*) from Slot group by libraryId", false)
                                .chain(slots -> counts(s, "select libraryId, count(*) from Reservation where state in (:active) "
                                        + "group by libraryId", true)
                                        .map(active -> libraries.stream().map(l -> LibrarySummary.of(l,
                                                drives.getOrDefault(l.id, 0L), slots.getOrDefault(l.id, 0L),
                                                active.getOrDefault(l.id, 0L))).toList())))));
    }

    private static Uni<Map<String, Long>> counts(Mutiny.Session s, String hql, boolean active) {
        Mutiny.SelectionQuery<Object[]> q = s.createSelectionQuery(hql, Object[].class);
        if (active) {
            q.setParameter("active", ACTIVE);
        }
        return q.getResultList().map(rows -> {
            Map<String, Long> m = new HashMap<>();
            rows.forEach(r -> m.put((String) r[0], ((Number) r[1]).longValue()));
            return m;
        });
    }

    @GET
    @Path("/{id}/inventory")
    @Operation(summary = "Slots and drives of one library, with who holds what (Amanda's inventory)")
    public Uni<Inventory> inventory(@PathParam("id") String id) {
        return sessions.withSession(s -> s.find(Library.class, id).chain(library -> {
            if (library == null) {
                return Uni.createFrom().failure(ProblemException.notFound("no library '" + id + "' has been reported"));
            }
            return s.createSelectionQuery("from Drive where libraryId = :l order by driveId", Drive.class).setParameter("l", id)
                    .getResultList()
                    .chain(drives -> s.createSelectionQuery("from Slot where libraryId = :l order by slot", Slot.class)
                            .setParameter("l", id).getResultList()
                            .chain(slots -> activeReservations(s, id)
                                    .chain(active -> queue(s, id).map(queue -> build(library, drives, slots, active, queue)))));
        }));
    }

    static Uni<List<Reservation>> activeReservations(Mutiny.Session s, String library) {
        return s.createSelectionQuery("from Reservation where libraryId = :l and state in (:active)", Reservation.class)
                .setParameter("l", library).setParameter("active", ACTIVE).getResultList();
    }

    static Uni<List<Views.WaiterView>> queue(Mutiny.Session s, String library) {
        return s.createNativeQuery("SELECT request_id, owner_key, owner_site, position, queued_at FROM waiter "
                        + "WHERE library_id = :l AND ended_at IS NULL ORDER BY position, queued_at", Object[].class)
                .setParameter("l", library).getResultList()
                .map(rows -> rows.stream().map(r -> new Views.WaiterView((String) r[0], new io.drivebus.schemas.Owner((String) r[1],
                        (String) r[2]), ((Number) r[3]).intValue(), instant(r[4]))).toList());
    }

    private static Inventory build(Library l, List<Drive> drives, List<Slot> slots, List<Reservation> active,
            List<Views.WaiterView> queue) {
        // should two active reservations name one slot or drive, the latest grant (highest token) is shown
        Comparator<Reservation> latest = Comparator.comparing(r -> r.token == null ? -1L : r.token);
        Map<Integer, Reservation> bySlot = active.stream().filter(r -> r.slot != null)
                .collect(Collectors.toMap(r -> r.slot, Function.identity(), (a, b) -> latest.compare(a, b) >= 0 ? a : b));
        Map<String, Reservation> byDrive = active.stream().filter(r -> r.driveId != null)
                .collect(Collectors.toMap(r -> r.driveId, Function.identity(), (a, b) -> latest.compare(a, b) >= 0 ? a : b));
        return new Inventory(l.id, l.host, l.driver, l.vendor, l.fastSearch, l.statusSequence, l.lastStatusAt, Views.agentOnline(l, Instant.now()),
                slots.stream().map(sl -> SlotView.of(sl, bySlot.get(sl.slot))).toList(),
                drives.stream().map(d -> DriveView.of(d, byDrive.get(d.driveId))).toList(), queue);
    }

    @GET
    @Path("/{id}/history")
    @Operation(summary = "The latest reservation events and device command results of one library, newest first")
    public Uni<List<HistoryEntry>> history(@PathParam("id") String id, @QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 1 || limit > 1000) {
            return Uni.createFrom().failure(ProblemException.badRequest("limit must be between 1 and 1000"));
        }
        return sessions.withSession(s -> s.createNativeQuery("SELECT id, event_id, type, occurred_at, reservation_id, drive_id, "
                        + "correlation_id FROM event_history WHERE library_id = :l ORDER BY id DESC LIMIT :n", Object[].class)
                .setParameter("l", id).setParameter("n", limit).getResultList()
                .map(rows -> rows.stream().map(r -> new HistoryEntry(((Number) r[0]).longValue(), (String) r[1], (String) r[2],
                        instant(r[3]), (String) r[4], (String) r[5], (String) r[6])).toList()));
    }

    static Instant instant(Object o) {
        if (o instanceof Instant i) {
            return i;
        }
        if (o instanceof OffsetDateTime t) {
            return t.toInstant();
        }
        if (o instanceof java.sql.Timestamp t) {
            return t.toInstant();
        }
        if (o instanceof java.time.LocalDateTime t) {
            return t.toInstant(java.time.ZoneOffset.UTC);
        }
        return o == null ? null : Instant.parse(o.toString());
    }
}
