package io.drivebus.inventory.api;

import io.drivebus.inventory.Rows;
import io.drivebus.inventory.api.Views.HistoryEntry;
import io.drivebus.inventory.api.Views.ReservationView;
import io.drivebus.inventory.api.Views.Volume;
import io.drivebus.inventory.api.Views.VolumeLocation;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
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

    @Inject
    Pool pool;

    @GET
    @Path("/{label}")
    @Operation(summary = "Where a volume is, by label or barcode (a slot, or a drive and the slot it came from), and who holds it")
    public Uni<Volume> find(@PathParam("label") String label) {
        return pool.preparedQuery(FIND).execute(Tuple.of(label)).map(rows -> {
            List<VolumeLocation> at = new ArrayList<>();
            List<ReservationView> held = new ArrayList<>();
            for (Row r : rows) {
                switch (r.getInteger("part")) {
                    case 0 -> at.add(new VolumeLocation(r.getString("library_id"), "drive", r.getInteger("slot"), r.getString("drive_id"),
                            r.getString("device_path"), r.getString("state"), r.getString("barcode"), "agent"));
                    case 1 -> at.add(new VolumeLocation(r.getString("library_id"), "slot", r.getInteger("slot"), null, null,
                            r.getString("state"), r.getString("barcode"), r.getBoolean("recorded") ? "operator" : "agent"));
                    default -> held.add(ReservationView.of(Rows.reservation(r)));
                }
            }
            if (at.isEmpty() && held.isEmpty()) {
                throw ProblemException.notFound("volume '" + label + "' is in no known slot or drive");
            }
            return new Volume(label, at, held);
        });
    }

    /**
     * The whole lookup in one statement of index lookups (one round trip, one answer to read): part 0, the drives holding
     * the volume, by library and drive; part 1, the slots holding it, by library and slot: by barcode, by the label an
     * operator recorded for the slot ({@code update N=LABEL}), or by the agent's label where no operator's label stands
     * over it; part 2, the active reservations naming it, newest first. Prepared by the reactive client (IndexTest
     * checks its generic plan). The slot found is read again by primary key (a lateral lookup, OFFSET 0 so it stays
     * one): as a join, PostgreSQL hashed all of the slot table for every lookup while the table had no statistics yet
     * (the minute after a bulk load, until autovacuum analyses it): 25 ms a lookup at 100,000 slots.
     */
    public static final String FIND = """
            SELECT * FROM (
            SELECT 0 AS part, library_id, drive_id, source_slot AS slot, device_path, state, barcode, NULL::boolean AS recorded,
                   NULL AS id, NULL AS owner_key, NULL AS owner_site, NULL AS job, NULL AS host, NULL AS label, NULL::bigint AS token,
                   NULL::timestamptz AS lease_expires_at, NULL::timestamptz AS created_at, NULL::timestamptz AS updated_at,
                   NULL::timestamptz AS ended_at, NULL AS end_reason, NULL AS correlation_id
            FROM drive WHERE label = $1 OR barcode = $1
            UNION ALL
            SELECT 1, k.library_id, NULL, k.slot, NULL, COALESCE(s.state, 'UNKNOWN'), s.barcode, r.label IS NOT NULL,
                   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
            FROM (SELECT library_id, slot FROM slot WHERE label = $1 OR barcode = $1
                  UNION SELECT library_id, slot FROM recorded_label WHERE label = $1 AND label <> '') k
            LEFT JOIN LATERAL (SELECT state, label, barcode FROM slot WHERE library_id = k.library_id AND slot = k.slot OFFSET 0) s ON true
            LEFT JOIN LATERAL (SELECT label FROM recorded_label WHERE library_id = k.library_id AND slot = k.slot OFFSET 0) r ON true
            WHERE r.label = $1 OR s.barcode = $1 OR (r.label IS NULL AND s.label = $1)
            UNION ALL
            SELECT 2, library_id, drive_id, slot, device_path, state, barcode, NULL, id, owner_key, owner_site, job, host, label, token,
                   lease_expires_at, created_at, updated_at, ended_at, end_reason, correlation_id
            FROM reservation WHERE (label = $1 OR barcode = $1) AND state IN ('granted', 'ready')) found
            ORDER BY part, CASE WHEN part = 2 THEN created_at END DESC, library_id, drive_id, slot""";

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
