package io.drivebus.reservation.auth;

import io.drivebus.schemas.Topics;
import io.drivebus.schemas.auth.HostKeys;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Enforcement settings: the principals whose signed records are accepted, the policy for what they may do, and the
 * principal this service signs its own records with (forwards to the next candidate library, commands).
 *
 * <p>Agents are either configured principals ({@code .hosts}) or, with {@code agentKey} (the master key of
 * {@link HostKeys}), the derived principal {@code host:<id>} of any host, whose secret only that host is given: a
 * new drive host then needs no change here, and no host holds a secret that speaks for another.
 */
public final class Security {
    private final Map<String, Principal> principals;
    private final AccessPolicy policy;
    private final String self;
    private final String agentKey;

    public Security(Map<String, Principal> principals, AccessPolicy policy, String self) {
        this(principals, policy, self, null);
    }

    /** @param agentKey null when agents are only the configured principals */
    public Security(Map<String, Principal> principals, AccessPolicy policy, String self, String agentKey) {
        this.principals = Map.copyOf(principals);
        this.policy = policy;
        this.self = self;
        this.agentKey = agentKey;
    }

    /** The configured principals (not the derived host principals). */
    public Map<String, Principal> principals() {
        return principals;
    }

    public AccessPolicy policy() {
        return policy;
    }

    /** The principal this service signs its own records with. */
    public String self() {
        return self;
    }

    public boolean derivesHostPrincipals() {
        return agentKey != null;
    }

    /** The principal named {@code name}: a configured one, or a host's derived one; null when unknown. */
    public Principal principal(String name) {
        Principal p = principals.get(name);
        if (p != null || agentKey == null) {
            return p;
        }
        String host = HostKeys.hostOf(name);
        if (host == null || !Topics.HOST_ID.matcher(host).matches()) {
            return null;
        }
        // derived anew each time (one HMAC), not cached: the name comes from a record not yet verified, and a cache
        // keyed by it would grow with every name a forger makes up
        return new Principal(name, HostKeys.secret(agentKey, host).getBytes(StandardCharsets.UTF_8), Set.of(), Set.of(), Set.of(host));
    }

    public byte[] secretOf(String principal) {
        Principal p = principal(principal);
        return p == null ? null : p.secret();
    }

    /**
     * The secret this service signs {@code host}'s commands with, the one the host's agent verifies them with: the
     * host's derived secret, else that of the configured principal speaking for the host; null when there is none
     * (the command goes unsigned, and an agent that checks signatures refuses it).
     */
    public byte[] commandSecretOf(String host) {
        if (agentKey != null) {
            return principal(HostKeys.principal(host)).secret();
        }
        return principals.values().stream().filter(p -> p.hosts().contains(host)).map(Principal::secret).findFirst().orElse(null);
    }
}
