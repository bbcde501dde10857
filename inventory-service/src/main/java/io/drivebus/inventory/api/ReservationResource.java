package io.drivebus.inventory.api;

import io.drivebus.inventory.api.Views.ReservationView;
import io.drivebus.inventory.reservation.Reservation;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.hibernate.reactive.mutiny.Mutiny;

@Path("/api/reservations")
@Produces(MediaType.APPLICATION_JSON)
public class ReservationResource {

    @Inject
    Mutiny.SessionFactory sessions;

    @GET
    @Operation(summary = "Reservations, newest first; owner is 'key' or 'key@site', active=true means granted or ready")
    public Uni<List<ReservationView>> list(@QueryParam("library") String library, @QueryParam("active") Boolean active,
            @QueryParam("owner") String owner, @QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 1 || limit > 1000) {
            return Uni.createFrom().failure(ProblemException.badRequest("limit must be between 1 and 1000"));
        }
        List<String> where = new ArrayList<>();
        Map<String, Object> params = new LinkedHashMap<>();
        if (library != null && !library.isBlank()) {
            where.add("libraryId = :library");
            params.put("library", library);
        }
        if (active != null) {
            where.add(active ? "state in (:active)" : "state not in (:active)");
            params.put("active", LibraryResource.ACTIVE);
        }
        if (owner != null && !owner.isBlank()) {
            int at = owner.lastIndexOf('@');
            if (at > 0) {
                where.add("ownerKey = :key and ownerSite = :site");
                params.put("key", owner.substring(0, at));
                params.put("site", owner.substring(at + 1));
            } else {
                where.add("ownerKey = :key");
                params.put("key", owner);
            }
        }
        String hql = "from Reservation" + (where.isEmpty() ? "" : " where " + String.join(" and ", where))
                + " order by createdAt desc, id";
        return sessions.withSession(s -> {
            Mutiny.SelectionQuery<Reservation> q = s.createSelectionQuery(hql, Reservation.class).setMaxResults(limit);
            params.forEach(q::setParameter);
            return q.getResultList().map(rs -> rs.stream().map(ReservationView::of).toList());
        });
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
