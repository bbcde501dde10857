package io.drivebus.reservation.streams;

import io.drivebus.reservation.auth.AccessPolicy;
import io.drivebus.reservation.auth.Principal;
import io.drivebus.reservation.auth.Security;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.Config;

/**
 * {@code drivebus.auth.enforce=true} makes every input record prove its producer. Principals:
 * {@code drivebus.auth.principals.<name>.secret} (shared HMAC secret), {@code .sites} (owner sites it acts for, "*"
 * any), {@code .roles} (break-site, break-any, changer), {@code .hosts} (agent hosts it speaks for).
 * {@code drivebus.auth.self} names the principal this service signs its forwards and commands with;
 * {@code drivebus.auth.agent-key}, the master key from which each host's agent secret is derived
 * ({@link io.drivebus.schemas.auth.HostKeys}), admits every agent as principal {@code host:<its host id>}.
 */
final class SecurityConfig {
    private static final Pattern PRINCIPAL = Pattern.compile("^drivebus\\.auth\\.principals\\.([^.]+)\\.(secret|sites|roles|hosts)$");

    static Security read(Config config) {
        if (!config.getOptionalValue("drivebus.auth.enforce", Boolean.class).orElse(false)) {
            return null;
        }
        Map<String, Map<String, String>> byName = new HashMap<>();
        for (String name : config.getPropertyNames()) {
            Matcher m = PRINCIPAL.matcher(name);
            if (m.matches()) {
                byName.computeIfAbsent(m.group(1), k -> new HashMap<>()).put(m.group(2), config.getValue(name, String.class));
            }
        }
        Map<String, Principal> principals = new LinkedHashMap<>();
        byName.forEach((n, f) -> {
            String secret = f.get("secret");
            if (secret == null || secret.isBlank()) {
                throw new IllegalStateException("principal " + n + " has no secret (drivebus.auth.principals." + n + ".secret)");
            }
            principals.put(n, new Principal(n, secret.getBytes(StandardCharsets.UTF_8), set(f.get("sites")), set(f.get("roles")),
                    set(f.get("hosts"))));
        });
        String self = config.getOptionalValue("drivebus.auth.self", String.class).orElse("reservation-service");
        if (!principals.containsKey(self)) {
            throw new IllegalStateException("drivebus.auth.self names '" + self + "', which is not among the principals");
        }
        String agentKey = config.getOptionalValue("drivebus.auth.agent-key", String.class).filter(k -> !k.isBlank()).orElse(null);
        return new Security(principals, new AccessPolicy(), self, agentKey);
    }

    private static Set<String> set(String csv) {
        return csv == null ? Set.of() : Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    private SecurityConfig() {
    }
}
