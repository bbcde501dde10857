package io.drivebus.inventory.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves as application/problem+json (type, title, status, detail). */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    @Inject
    ObjectMapper json;

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return respond(e.problem);
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        Response.StatusType st = Response.Status.fromStatusCode(status);
        String title = st == null ? "HTTP " + status : st.getReasonPhrase();
        String slug = title.toLowerCase().replaceAll("[^a-z0-9]+", "-");
        return respond(new Problem(Problem.TYPE_BASE + slug, title, status, e.getMessage()));
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("request failed", e);
        return respond(new Problem(Problem.TYPE_BASE + "internal", "Internal Server Error", 500, e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage())));
    }

    private Response respond(Problem p) {
        String body;
        try {
            body = json.writeValueAsString(p);
        } catch (JsonProcessingException e) {
            body = "{\"status\":" + p.status() + "}";
        }
        return Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(body).build();
    }
}
