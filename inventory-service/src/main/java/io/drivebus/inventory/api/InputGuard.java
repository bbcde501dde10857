package io.drivebus.inventory.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * PostgreSQL refuses text containing NUL (U+0000), so a path or query value with one (e.g. {@code %00}) would make any
 * query fail with a 500. Such a request is answered 400 before it reaches a resource.
 */
public class InputGuard {

    @ServerRequestFilter
    public void refuseNul(ContainerRequestContext request) {
        UriInfo uri = request.getUriInfo();
        boolean nul = uri.getPath().indexOf('\0') >= 0;
        if (!nul) {
            for (List<String> values : uri.getQueryParameters().values()) {
                nul |= values.stream().anyMatch(v -> v != null && v.indexOf('\0') >= 0);
            }
        }
        if (nul) {
            throw ProblemException.badRequest("the request's path or query contains a NUL character (%00)");
        }
    }
}
