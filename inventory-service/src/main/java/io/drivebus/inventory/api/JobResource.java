package io.drivebus.inventory.api;

import io.drivebus.inventory.api.Views.HistoryEntry;
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
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.resteasy.reactive.RestResponse;

/** A backup job (the {@code job} its reservations name) across libraries. */
@Path("/api/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {

    @Inject
    Mutiny.SessionFactory sessions;

    @GET
    @Path("/{job}/history")
    @Operation(summary = "The reservation events and command results of a job's reservations, newest first; paged (Link rel=\"next\")")
    @APIResponse(responseCode = "200", description = "A page of history entries", headers = @Header(name = "Link", description = Page.LINK_DOC))
    public Uni<RestResponse<List<HistoryEntry>>> history(@PathParam("job") String job,
            @Parameter(description = Page.LIMIT_DOC, schema = @Schema(type = SchemaType.INTEGER)) @QueryParam("limit") String limit,
            @Parameter(description = Page.AFTER_DOC) @QueryParam("after") String after, @Context UriInfo uri) {
        return History.of(sessions, null, "job", job, limit, after, uri);
    }
}
