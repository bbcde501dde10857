package io.drivebus.inventory.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.credential.TokenCredential;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Set;

/**
 * {@code Authorization: Bearer <jwt>}: no header means anonymous (reads are open by default); a header with a
 * token we do not accept is a 401, never silently anonymous.
 */
@ApplicationScoped
public class BearerAuthentication implements HttpAuthenticationMechanism {

    static final String BEARER_TYPE = "bearer";

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        String header = context.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Uni.createFrom().optional(java.util.Optional.empty());
        }
        String token = header.substring(7).trim();
        return identities.authenticate(new TokenAuthenticationRequest(new TokenCredential(token, BEARER_TYPE)));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(TokenAuthenticationRequest.class);
    }

    /** Turns a verified token into the caller's identity: principal = the operator, roles = its groups. */
    @ApplicationScoped
    public static class TokenIdentityProvider implements IdentityProvider<TokenAuthenticationRequest> {

        @Inject
        BearerTokens tokens;

        @Override
        public Class<TokenAuthenticationRequest> getRequestType() {
            return TokenAuthenticationRequest.class;
        }

        @Override
        public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request, AuthenticationRequestContext context) {
            BearerTokens.Verified v;
            try {
                v = tokens.verify(request.getToken().getToken());
            } catch (BearerTokens.RejectedTokenException e) {
                return Uni.createFrom().failure(new AuthenticationFailedException(e.getMessage(), e));
            }
            return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                    .setPrincipal(new OperatorPrincipal(v.name(), v.site()))
                    .addRoles(Set.copyOf(v.roles()))
                    .addCredential(request.getToken())
                    .build());
        }
    }
}
