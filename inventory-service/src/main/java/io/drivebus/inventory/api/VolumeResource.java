package io.drivebus.inventory.api;

import io.drivebus.inventory.api.Views.HistoryEntry;
import io.drivebus.inventory.api.Views.ReservationView;
import io.drivebus.inventory.api.Views.Volume;
import io.drivebus.inventory.api.Views.VolumeLocation;
import io.drivebus.inventory.library.Drive;
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
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.resteasy.reactive.RestResponse;

@Path("/api/volumes")
@Produces(MediaType.APPLICATION_JSON)
public class VolumeResource {

    @Inject
    Mutiny.SessionFactory sessions;

    @GET
    @Path("/{label}")
    @Operation(summary = "Where a volume is, by label or barcode (a slot, or a drive and the slot it came from), and who holds it")
    public Uni<Volume> find(@PathParam("label") String label) {
        return sessions.withSession(s -> s.createSelectionQuery("from Drive where label = :l or barcode = :l order by libraryId, driveId", Drive.class)
                .setParameter("l", label).getResultList()
                .chain(drives -> slots(s, label)
                        .chain(slots -> s.createSelectionQuery("from Reservation where (label = :l or barcode = :l) and state in (:active) "
                                        + "order by createdAt desc", Reservation.class)
                                .setParameter("l", label).setParameter("active", LibraryResource.ACTIVE).getResultList()
                                .map(held -> {
                                    List<VolumeLocation> at = new ArrayList<>();
                                    drives.forEach(d -> at.add(new VolumeLocation(d.libraryId, "drive", d.sourceSlot, d.driveId,
                                            d.devicePath, d.state, d.barcode, "agent")));
                                    at.addAll(slots);
                                    return new Volume(label, at, held.stream().map(ReservationView::of).toList());
                                }))))
                .map(v -> {
                    if (v.locations().isEmpty() && v.reservations().isEmpty()) {
                        throw ProblemException.notFound("volume '" + label + "' is in no known slot or drive");
                    }
                    return v;
                });
    }

    /**
     * Slots holding the volume: by barcode, by the label an operator recorded for the slot ({@code update N=LABEL}), or
     * by the agent's label where no operator's label stands over it. Two index lookups, then the slot rows.
     */
    private static Uni<List<VolumeLocation>> slots(Mutiny.Session s, String label) {
        String sql = """
                SELECT k.library_id, k.slot, COALESCE(s.state, 'UNKNOWN'), s.barcode, r.label IS NOT NULL
                FROM (SELECT library_id, slot FROM slot WHERE label = :l OR barcode = :l
                      UNION SELECT library_id, slot FROM recorded_label WHERE label = :l AND label <> '') k
                LEFT JOIN slot s ON s.library_id = k.library_id AND s.slot = k.slot
                LEFT JOIN recorded_label r ON r.library_id = k.library_id AND r.slot = k.slot
                WHERE r.label = :l OR s.barcode = :l OR (r.label IS NULL AND s.label = :l)
                ORDER BY k.library_id, k.slot""";
        return s.createNativeQuery(sql, Object[].class).setParameter("l", label).getResultList()
                .map(rows -> rows.stream().map(r -> new VolumeLocation((String) r[0], "slot", ((Number) r[1]).intValue(), null, null,
                        (String) r[2], (String) r[3], Boolean.TRUE.equals(r[4]) ? "operator" : "agent")).toList());
    }

    @GET
    @Path("/{label}/history")
    @Operation(summary = "What touched a volume (by label or barcode): grants, loads, releases, recorded labels…, newest first; "
            + "paged (Link rel=\"next\")")
    @APIResponse(responseCode = "200", description = "A page of history entries", headers = @Header(name = "Link", description = Page.LINK_DOC))
    public Uni<RestResponse<List<HistoryEntry>>> history(@PathParam("label") String label,
            @Parameter(description = Page.LIMIT_DOC, schema = @Schema(type = SchemaType.INTEGER)) @QueryParam("limit") String limit,
            @Parameter(description = Page.AFTER_DOC) @QueryParam("after") String after, @Context UriInfo uri) {
        return History.of(sessions, null, "volume", label, limit, after, uri);
    }
}
