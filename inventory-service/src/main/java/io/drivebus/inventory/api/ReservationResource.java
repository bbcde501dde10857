package io.drivebus.inventory.api;

import io.drivebus.inventory.api.Views.ReservationView;
import io.drivebus.inventory.reservation.Reservation;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.drivebus.schemas.Owner;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.resteasy.reactive.RestResponse;

@Path("/api/reservations")
@Produces(MediaType.APPLICATION_JSON)
public class ReservationResource {

    @Inject
    Mutiny.SessionFactory sessions;

    @GET
    @Operation(summary = "Reservations, newest first, filtered; paged (Link rel=\"next\"). With pending=true: the requests "
            + "still waiting in a queue instead (state queued)")
    @APIResponse(responseCode = "200", description = "A page of reservations", headers = @Header(name = "Link", description = Page.LINK_DOC))
    public Uni<RestResponse<List<ReservationView>>> list(
            @Parameter(description = "Only this library's") @QueryParam("library") String library,
            @Parameter(description = "true: granted or ready; false: ended") @QueryParam("active") Boolean active,
            @Parameter(description = "true: requests waiting in a library's queue (no reservation yet)") @QueryParam("pending") Boolean pending,
            @Parameter(description = "'key' or 'key@site'") @QueryParam("owner") String owner,
            @Parameter(description = "The owner's site") @QueryParam("site") String site,
            @Parameter(description = "The job the reservation is for (waiting requests have none)") @QueryParam("job") String job,
            @Parameter(description = Page.LIMIT_DOC, schema = @Schema(type = SchemaType.INTEGER)) @QueryParam("limit") String limitParam,
            @Parameter(description = Page.AFTER_DOC) @QueryParam("after") String afterParam, @Context UriInfo uri) {
        int limit = Page.limit(limitParam);
        List<String> after = Page.after(afterParam, 2);
        boolean waiting = Boolean.TRUE.equals(pending);
        if (waiting && active != null) {
            throw ProblemException.badRequest("pending=true lists waiting requests, which are neither active nor ended: drop active");
        }
        List<String> where = new ArrayList<>();
        Map<String, Object> params = new LinkedHashMap<>();
        if (library != null && !library.isBlank()) {
            where.add("library_id = :library");
            params.put("library", library);
        }
        if (active != null) {
            where.add(active ? "state in (:active)" : "state not in (:active)");
            params.put("active", LibraryResource.ACTIVE.stream().map(Enum::name).toList());
        }
        if (owner != null && !owner.isBlank()) {
            int at = owner.lastIndexOf('@');
            if (at > 0) {
                where.add("owner_key = :key and owner_site = :osite");
                params.put("key", owner.substring(0, at));
                params.put("osite", owner.substring(at + 1));
            } else {
                where.add("owner_key = :key");
                params.put("key", owner);
            }
        }
        if (site != null && !site.isBlank()) {
            where.add("owner_site = :site");
            params.put("site", site);
        }
        if (job != null && !job.isBlank()) {
            if (waiting) {
                return Uni.createFrom().item(RestResponse.ok(List.of())); // a waiting request names no job
            }
            where.add("job = :job");
            params.put("job", job);
        }
        // newest first, then by id: the cursor is (time, id) of the last item shown
        String time = waiting ? "queued_at" : "created_at";
        String id = waiting ? "request_id" : "id";
        if (after != null) {
            where.add("(" + time + " < :afterTime or (" + time + " = :afterTime and " + id + " > :afterId))");
            params.put("afterTime", Page.instant(after.get(0)));
            params.put("afterId", after.get(1));
        }
        if (waiting) {
            where.add("ended_at is null");
        }
        String sql = (waiting ? "SELECT request_id, library_id, owner_key, owner_site, position, queued_at, updated_at FROM waiter"
                : "SELECT * FROM reservation") + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY " + time + " DESC, " + id + " LIMIT :n";
        return sessions.withSession(s -> {
            if (waiting) {
                Mutiny.SelectionQuery<Object[]> q = s.createNativeQuery(sql, Object[].class).setParameter("n", limit + 1);
                params.forEach(q::setParameter);
                return q.getResultList().map(rows -> rows.stream().map(r -> ReservationView.waiting((String) r[0], (String) r[1],
                        new Owner((String) r[2], (String) r[3]), ((Number) r[4]).intValue(), LibraryResource.instant(r[5]),
                        LibraryResource.instant(r[6]))).toList());
            }
            Mutiny.SelectionQuery<Reservation> q = s.createNativeQuery(sql, Reservation.class).setParameter("n", limit + 1);
            params.forEach(q::setParameter);
            return q.getResultList().map(rs -> rs.stream().map(ReservationView::of).toList());
        }).map(rows -> Page.of(rows, limit, uri, r -> Page.cursor(r.createdAt().toString(), r.id())));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One reservation, active or ended")
    public Uni<ReservationView> get(@PathParam("id") String id) {
        return sessions.withSession(s -> s.find(Reservation.class, id)).map(r -> {
            if (r == null) {
                throw ProblemException.notFound("no reservation '" + id + "'");
            }
            return ReservationView.of(r);
        });
    }
}
