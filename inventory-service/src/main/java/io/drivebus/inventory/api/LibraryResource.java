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
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.resteasy.reactive.RestResponse;

@Path("/api/libraries")
@Produces(MediaType.APPLICATION_JSON)
public class LibraryResource {

    static final List<ReservationState> ACTIVE = List.of(ReservationState.granted, ReservationState.ready);

    @Inject
    Mutiny.SessionFactory sessions;

    @GET
    @Operation(summary = "Libraries the agents have reported, by id, with counts; paged (Link rel=\"next\")")
    @APIResponse(responseCode = "200", description = "A page of libraries", headers = @Header(name = "Link", description = Page.LINK_DOC))
    public Uni<RestResponse<List<LibrarySummary>>> list(
            @Parameter(description = Page.LIMIT_DOC, schema = @Schema(type = SchemaType.INTEGER)) @QueryParam("limit") String limitParam,
            @Parameter(description = Page.AFTER_DOC) @QueryParam("after") String afterParam, @Context UriInfo uri) {
        int limit = Page.limit(limitParam);
        List<String> after = Page.after(afterParam, 1);
        return sessions.withSession(s -> s.createSelectionQuery("from Library where id > :after order by id", Library.class)
                .setParameter("after", after == null ? "" : after.get(0)).setMaxResults(limit + 1).getResultList()
                .chain(libraries -> {
                    List<String> ids = libraries.stream().map(l -> l.id).toList();
                    return counts(s, "select libraryId, count(*) from Drive where libraryId in (:ids) group by libraryId", ids, false)
                            .chain(drives -> counts(s, "select libraryId, count(*) from Slot where libraryId in (:ids) group by libraryId", ids, false)
                                    .chain(slots -> counts(s, "select libraryId, count(*) from Reservation where libraryId in (:ids) "
                                            + "and state in (:active) group by libraryId", ids, true)
                                            .map(active -> libraries.stream().map(l -> LibrarySummary.of(l,
                                                    drives.getOrDefault(l.id, 0L), slots.getOrDefault(l.id, 0L),
                                                    active.getOrDefault(l.id, 0L))).toList())));
                }))
                .map(page -> Page.of(page, limit, uri, l -> Page.cursor(l.library())));
    }

    private static Uni<Map<String, Long>> counts(Mutiny.Session s, String hql, List<String> ids, boolean active) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        Mutiny.SelectionQuery<Object[]> q = s.createSelectionQuery(hql, Object[].class).setParameter("ids", ids);
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
                                    .chain(active -> queue(s, id)
                                            .chain(queue -> recordedLabels(s, id)
                                                    .map(recorded -> build(library, drives, slots, active, queue, recorded))))));
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

    /** The labels operators recorded in a library, by slot ("" = the operator forgot the slot's label). */
    static Uni<Map<Integer, String>> recordedLabels(Mutiny.Session s, String library) {
        return s.createNativeQuery("SELECT slot, label FROM recorded_label WHERE library_id = :l", Object[].class)
                .setParameter("l", library).getResultList()
                .map(rows -> rows.stream().collect(Collectors.toMap(r -> ((Number) r[0]).intValue(), r -> (String) r[1])));
    }

    private static Inventory build(Library l, List<Drive> drives, List<Slot> slots, List<Reservation> active,
            List<Views.WaiterView> queue, Map<Integer, String> recorded) {
        // should two active reservations name one slot or drive, the latest grant (highest token) is shown
        Comparator<Reservation> latest = Comparator.comparing(r -> r.token == null ? -1L : r.token);
        Map<Integer, Reservation> bySlot = active.stream().filter(r -> r.slot != null)
                .collect(Collectors.toMap(r -> r.slot, Function.identity(), (a, b) -> latest.compare(a, b) >= 0 ? a : b));
        Map<String, Reservation> byDrive = active.stream().filter(r -> r.driveId != null)
                .collect(Collectors.toMap(r -> r.driveId, Function.identity(), (a, b) -> latest.compare(a, b) >= 0 ? a : b));
        return new Inventory(l.id, l.host, l.driver, l.vendor, l.fastSearch, l.numSlots, l.currentSlot, l.statusSequence, l.lastStatusAt,
                Views.agentOnline(l, Instant.now()),
                slots.stream().map(sl -> SlotView.of(sl, bySlot.get(sl.slot), recorded.get(sl.slot),
                        sl.slot.equals(l.currentSlot))).toList(),
                drives.stream().map(d -> DriveView.of(d, byDrive.get(d.driveId))).toList(), queue);
    }

    @GET
    @Path("/{id}/history")
    @Operation(summary = "Reservation events and device command results of one library, newest first; paged (Link rel=\"next\")")
    @APIResponse(responseCode = "200", description = "A page of history entries", headers = @Header(name = "Link", description = Page.LINK_DOC))
    public Uni<RestResponse<List<HistoryEntry>>> history(@PathParam("id") String id,
            @Parameter(description = Page.LIMIT_DOC, schema = @Schema(type = SchemaType.INTEGER)) @QueryParam("limit") String limit,
            @Parameter(description = Page.AFTER_DOC) @QueryParam("after") String after, @Context UriInfo uri) {
        return History.ofLibrary(sessions, id, limit, after, uri);
    }

    @GET
    @Path("/{id}/drives/{drive}/history")
    @Operation(summary = "What happened to one drive (its grants, loads, releases, ejects…), newest first; paged (Link rel=\"next\")")
    @APIResponse(responseCode = "200", description = "A page of history entries", headers = @Header(name = "Link", description = Page.LINK_DOC))
    public Uni<RestResponse<List<HistoryEntry>>> driveHistory(@PathParam("id") String id, @PathParam("drive") String drive,
            @Parameter(description = Page.LIMIT_DOC, schema = @Schema(type = SchemaType.INTEGER)) @QueryParam("limit") String limit,
            @Parameter(description = Page.AFTER_DOC) @QueryParam("after") String after, @Context UriInfo uri) {
        return History.of(sessions, id, "drive", drive, limit, after, uri);
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
