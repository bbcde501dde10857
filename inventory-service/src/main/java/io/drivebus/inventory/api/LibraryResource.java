package io.drivebus.inventory.api;

import io.drivebus.inventory.api.Views.HistoryEntry;
import io.drivebus.inventory.api.Views.Inventory;
import io.drivebus.inventory.api.Views.LibrarySummary;
import io.drivebus.inventory.library.Library;
import io.drivebus.inventory.reservation.ReservationState;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.resteasy.reactive.RestResponse;

@Path("/api/libraries")
@Produces(MediaType.APPLICATION_JSON)
public class LibraryResource {

    static final List<ReservationState> ACTIVE = List.of(ReservationState.granted, ReservationState.ready);
    /** What Jackson's answers say they are: the inventory's ready-made bytes say the same. */
    static final MediaType JSON = MediaType.APPLICATION_JSON_TYPE.withCharset("UTF-8");

    @Inject
    Mutiny.SessionFactory sessions;

    @Inject
    LibraryInventories inventories;

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
    @APIResponse(responseCode = "200", description = "The library's inventory", headers = @Header(name = "ETag",
            description = "Changes with every change of the library (and when its agent goes offline); send it back in "
                    + "If-None-Match for a 304 while it holds"),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Inventory.class)))
    @APIResponse(responseCode = "304", description = "Unchanged since the If-None-Match entity tag")
    public Uni<Response> inventory(@PathParam("id") String id, @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
        return inventories.inventory(id).map(inv -> matches(ifNoneMatch, inv.etag())
                ? Response.notModified().header(HttpHeaders.ETAG, inv.etag()).build()
                : Response.ok(inv.body(), JSON).header(HttpHeaders.ETAG, inv.etag()).build());
    }

    /** If-None-Match: {@code *}, or a list of entity tags (weak ones compare as strong here: one body per tag). */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.trim();
            if (t.equals("*") || t.equals(etag) || t.equals("W/" + etag)) {
                return true;
            }
        }
        return false;
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
