package io.drivebus.schemas.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Per-host agent secrets derived from one master key, so every drive host gets a secret of its own without the
 * reservation-service being reconfigured for each new host. The service holds the master key
 * ({@code drivebus.auth.agent-key}) and derives any host's secret; a host is given only its own (in its own Secret),
 * so an agent can sign as, and verify commands for, its host and no other. An agent signs as principal
 * {@code host:<host id>}; the reservation-service signs that host's commands with the same secret.
 *
 * <p>The secret is the hex HMAC-SHA256 of {@code "drivebus-agent:" + host} under the master key, which an operator
 * can compute without Java: {@code printf 'drivebus-agent:%s' HOST | openssl dgst -sha256 -hmac "$MASTER" -r | cut -d' ' -f1}.
 */
public final class HostKeys {
    /** Principal-name prefix of an agent signing with its derived host secret. */
    public static final String PRINCIPAL_PREFIX = "host:";

    public static String principal(String host) {
        return PRINCIPAL_PREFIX + host;
    }

    /** The host a derived principal speaks for, or null when {@code principal} is not one. */
    public static String hostOf(String principal) {
        return principal != null && principal.startsWith(PRINCIPAL_PREFIX) && principal.length() > PRINCIPAL_PREFIX.length()
                ? principal.substring(PRINCIPAL_PREFIX.length())
                : null;
    }

    /** The secret of {@code host}, as the string an agent is configured with ({@code drivebus.agent.secret}). */
    public static String secret(String masterKey, String host) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(masterKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(("drivebus-agent:" + host).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private HostKeys() {
    }
}
