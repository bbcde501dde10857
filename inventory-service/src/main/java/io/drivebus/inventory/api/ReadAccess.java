package io.drivebus.inventory.api;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Reads are open by default (dashboards, the cli's inventory); {@code drivebus.inventory.reads-require-auth=true}
 * makes every read under {@code /api} need a valid bearer token (any role). Writes always need their roles.
 */
@ApplicationScoped
public class ReadAccess {

    @ConfigProperty(name = "drivebus.inventory.reads-require-auth", defaultValue = "false")
    volatile boolean requireAuth;

    @Inject
    SecurityIdentity identity;

    public boolean requireAuth() {
        return requireAuth;
    }

    /** For an operator (or a test) switching the policy at run time. */
    public void requireAuth(boolean required) {
        requireAuth = required;
    }

    @ServerRequestFilter
    public void check(ContainerRequestContext request) {
        if (requireAuth && "GET".equals(request.getMethod()) && request.getUriInfo().getPath().startsWith("/api")
                && identity.isAnonymous()) {
            throw ProblemException.unauthorized("reads require a bearer token here (drivebus.inventory.reads-require-auth)");
        }
    }
}
