package io.drivebus.reservation.auth;

import java.util.Map;

/**
 * Enforcement settings: the principals whose signed records are accepted, the policy for what they may do, and the
 * principal this service signs its own requests with (forwards to the next candidate library).
 */
public record Security(Map<String, Principal> principals, AccessPolicy policy, String self) {

    public byte[] secretOf(String principal) {
        Principal p = principals.get(principal);
        return p == null ? null : p.secret();
    }
}
