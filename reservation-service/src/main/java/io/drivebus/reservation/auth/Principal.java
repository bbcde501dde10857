package io.drivebus.reservation.auth;

import java.util.Set;

/**
 * An authenticated producer and what it may do. {@code sites}: the owner sites it may act for ("*": any) — a backup
 * host's client acts for its own site; {@code roles}: {@code break-site}, {@code break-any} (DEC SRC break rights),
 * {@code changer} (reset, eject, update, move for everyone); {@code hosts}: the agent hosts it may speak for.
 */
public record Principal(String name, byte[] secret, Set<String> sites, Set<String> roles, Set<String> hosts) {
    public static final String BREAK_SITE = "break-site";
    public static final String BREAK_ANY = "break-any";
    public static final String CHANGER = "changer";

    @Override
    public String toString() {
        return name; // never the secret
    }

    boolean actsFor(String site) {
        return sites.contains("*") || sites.contains(site);
    }

    boolean has(String role) {
        return roles.contains(role);
    }
}
