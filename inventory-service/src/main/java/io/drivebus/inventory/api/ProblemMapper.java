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
        Response r = respond(e.problem);
        return e.problem.status() == 401 ? Response.fromResponse(r).header("WWW-Authenticate", "Bearer").build() : r;
    }

    /** No or no valid bearer token (Quarkus' own mapper would answer with an empty body). */
    @ServerExceptionMapper
    public Response unauthorized(io.quarkus.security.UnauthorizedException e) {
        Response r = respond(new Problem(Problem.TYPE_BASE + "unauthorized", "Unauthorized", 401, "a bearer token is required"));
        return Response.fromResponse(r).header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response authenticationFailed(io.quarkus.security.AuthenticationFailedException e) {
        Response r = respond(new Problem(Problem.TYPE_BASE + "unauthorized", "Unauthorized", 401, "the bearer token is not valid"));
        return Response.fromResponse(r).header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(io.quarkus.security.ForbiddenException e) {
        return respond(new Problem(Problem.TYPE_BASE + "forbidden", "Forbidden", 403, "the token's roles do not allow this"));
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
