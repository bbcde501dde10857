package io.drivebus.inventory.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.inventory.api.Problem;
import io.drivebus.inventory.api.ProblemException;
import io.drivebus.inventory.security.OperatorPrincipal;
import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.BreakRequest;
import io.drivebus.schemas.reservation.BreakScope;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationRequest;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Operator actions. Each becomes one request to the reservation-service (the single writer of a library) and is
 * answered with that service's answer; none of them touches the projection, which learns the outcome from the
 * events like everyone else.
 *
 * <p>Roles (the bearer token's {@code groups}, see {@code BearerTokens}): {@code operator} may record or forget a slot's label, reset and rescan;
 * {@code break-site} may break reservations held from the operator's own site, {@code break-any} anyone's
 * (DEC SRC LockOps' break rights). The operator is {@code {key = the token's upn/subject, site = its site claim,
 * or "ops"}}. {@code ?wait=false} answers 202 with the request id as soon as the request is on the bus.
 */
@Path("/api/libraries/{id}")
@Produces(MediaType.APPLICATION_JSON)
public class OperatorResource {

    static final String DEFAULT_SITE = "ops";
    /** Amanda's labels: no separators the update spec or the inventory listing use. */
    private static final Pattern LABEL = Pattern.compile("[^\\s,=]{1,128}");
    private static final Pattern SLOT_RANGES = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");

    @Inject
    OperatorRequests requests;

    @Inject
    SecurityIdentity identity;

    private final ObjectMapper json = MessageCodec.newObjectMapper();

    public record BreakBody(String scope, String reason) {
    }

    public record LabelBody(String label) {
    }

    public record RescanBody(String slots) {
    }

    /** The answer to an action: the request id, the answering event's type and the event itself. */
    public record ActionResult(String requestId, String outcome, JsonNode event) {
    }

    @POST
    @Path("/reservations/{rid}/break")
    @RolesAllowed({ "break-site", "break-any" })
    @Operation(summary = "Break someone's reservation (operator override, recorded as broken); scope site|any")
    public Uni<Response> breakReservation(@PathParam("id") String library, @PathParam("rid") String reservationId, BreakBody body,
            @QueryParam("wait") @DefaultValue("true") boolean wait) {
        BreakScope scope;
        try {
            scope = body == null || body.scope() == null ? BreakScope.site : BreakScope.valueOf(body.scope());
        } catch (IllegalArgumentException e) {
            return failed(ProblemException.badRequest("scope must be 'site' or 'any'"));
        }
        if (scope == BreakScope.any && !identity.hasRole("break-any")) {
            return failed(ProblemException.forbidden("breaking with scope 'any' needs the role break-any"));
        }
        String reason = body == null ? null : body.reason();
        if (reason == null || reason.isBlank()) {
            return failed(ProblemException.badRequest("a reason is required: it is recorded with the break"));
        }
        return act(new BreakRequest(library, reservationId, operator(), scope, reason), wait);
    }

    @POST
    @Path("/slots/{n}/label")
    @RolesAllowed("operator")
    @Operation(summary = "Record the label of the volume in slot n without robot motion (Amanda's update N=LABEL)")
    public Uni<Response> recordLabel(@PathParam("id") String library, @PathParam("n") int slot, LabelBody body,
            @QueryParam("wait") @DefaultValue("true") boolean wait) {
        if (body == null || body.label() == null || !LABEL.matcher(body.label()).matches()) {
            return failed(ProblemException.badRequest("label must be 1-128 characters without blanks, ',' or '='"));
        }
        return update(library, slot, slot + "=" + body.label(), wait);
    }

    @DELETE
    @Path("/slots/{n}/label")
    @RolesAllowed("operator")
    @Operation(summary = "Forget what was recorded about slot n (Amanda's update N=)")
    public Uni<Response> forgetLabel(@PathParam("id") String library, @PathParam("n") int slot,
            @QueryParam("wait") @DefaultValue("true") boolean wait) {
        return update(library, slot, slot + "=", wait);
    }

    @POST
    @Path("/reset")
    @RolesAllowed("operator")
    @Operation(summary = "Amanda's reset: the current slot goes back to the first; reservations stay")
    public Uni<Response> reset(@PathParam("id") String library, @QueryParam("wait") @DefaultValue("true") boolean wait) {
        return act(ChangerRequest.of(library, operator(), ChangerOp.reset), wait);
    }

    @POST
    @Path("/rescan")
    @RolesAllowed("operator")
    @Operation(summary = "Rescan slots (ranges like 1-3,9; all when absent) and drop what was recorded by hand for them")
    public Uni<Response> rescan(@PathParam("id") String library, RescanBody body,
            @QueryParam("wait") @DefaultValue("true") boolean wait) {
        String slots = body == null || body.slots() == null || body.slots().isBlank() ? null : body.slots().replace(" ", "");
        if (slots != null && !SLOT_RANGES.matcher(slots).matches()) {
            return failed(ProblemException.badRequest("slots must be slot ranges like 1-3,9"));
        }
        return act(new ChangerRequest(library, operator(), ChangerOp.update, null, slots, null, null), wait);
    }

    private Uni<Response> update(String library, int slot, String spec, boolean wait) {
        if (slot < 0) {
            return failed(ProblemException.badRequest("no slot " + slot));
        }
        return act(new ChangerRequest(library, operator(), ChangerOp.update, null, spec, null, null), wait);
    }

    /** The operator as an owner: who the token names, at the site it names. */
    Owner operator() {
        String site = identity.getPrincipal() instanceof OperatorPrincipal op ? op.site() : null;
        return new Owner(identity.getPrincipal().getName(), site == null || site.isBlank() ? DEFAULT_SITE : site);
    }

    private Uni<Response> act(ReservationRequest request, boolean wait) {
        // the first send fetches topic metadata (blocking, up to max.block.ms if the bus is away): not on the event loop
        return Uni.createFrom().completionStage(() -> requests.send(request, wait))
                .runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                .map(outcome -> {
                    if (outcome.answer() == null) {
                        return Response.accepted(new ActionResult(outcome.requestId(), null, null)).build();
                    }
                    if (outcome.answer().payload() instanceof ReservationDenied denied) {
                        return denied(outcome.requestId(), denied.error());
                    }
                    return Response.ok(new ActionResult(outcome.requestId(), outcome.answer().type(),
                            json.valueToTree(outcome.answer().payload()))).build();
                })
                .onFailure(OperatorRequests.NoAnswerException.class).recoverWithItem(e -> problem(new ActionProblem(
                        Problem.TYPE_BASE + "no-answer", "Gateway Timeout", 504, e.getMessage(),
                        ((OperatorRequests.NoAnswerException) e).requestId, null)))
                .onFailure(IllegalArgumentException.class).recoverWithItem(e -> problem(new ActionProblem(
                        Problem.TYPE_BASE + "bad-request", "Bad Request", 400, e.getMessage(), null, null)));
    }

    /** The reservation-service said no: its typed error, with an HTTP status that matches the reason. */
    Response denied(String requestId, DrivebusError error) {
        int status = switch (error.reason()) {
            case notfound -> 404;
            case unauthorized -> 403;
            case invalid, empty -> 422;
            case volinuse, driveinuse -> 409;
            case notimpl -> 501;
            default -> 502;
        };
        return problem(new ActionProblem(Problem.TYPE_BASE + "denied-" + error.reason(), "Denied: " + error.reason(), status,
                error.message(), requestId, error));
    }

    /** A problem document that also names the request and, when the service denied it, its typed error. */
    public record ActionProblem(String type, String title, int status, String detail, String requestId, DrivebusError error) {
    }

    private Response problem(ActionProblem p) {
        try {
            return Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(json.writeValueAsString(p)).build();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Uni<Response> failed(ProblemException e) {
        return Uni.createFrom().failure(e);
    }
}
