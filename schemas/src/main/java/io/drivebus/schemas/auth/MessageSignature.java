package io.drivebus.schemas.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Who produced a record. Kafka authenticates a producer but does not tell consumers who it was, so each producer
 * names its principal in a header and proves it with an HMAC-SHA256 over the principal and the record's value, keyed
 * by a secret it shares with the verifying service. The verifier then checks the message against what that principal
 * may do (the owners it may act for, the host it may speak for).
 */
public final class MessageSignature {
    public static final String PRINCIPAL_HEADER = "drivebus-principal";
    public static final String SIGNATURE_HEADER = "drivebus-signature";
    private static final String HMAC = "HmacSHA256";

    /** Adds the principal and signature headers for {@code value}. */
    public static void sign(Headers headers, byte[] value, String principal, byte[] secret) {
        headers.remove(PRINCIPAL_HEADER);
        headers.remove(SIGNATURE_HEADER);
        headers.add(PRINCIPAL_HEADER, principal.getBytes(StandardCharsets.UTF_8));
        headers.add(SIGNATURE_HEADER, Base64.getEncoder().encode(mac(secret, principal, value)));
    }

    /**
     * The principal that provably produced {@code value}.
     *
     * @param secretOf the shared secret of a principal, or null for one not known
     * @throws SignatureException naming what is wrong (missing, unknown principal, bad signature)
     */
    public static String verify(Headers headers, byte[] value, Function<String, byte[]> secretOf) {
        Header p = headers.lastHeader(PRINCIPAL_HEADER);
        Header s = headers.lastHeader(SIGNATURE_HEADER);
        if (p == null || s == null) {
            throw new SignatureException("unsigned record (no " + PRINCIPAL_HEADER + "/" + SIGNATURE_HEADER + " headers)");
        }
        String principal = new String(p.value(), StandardCharsets.UTF_8);
        byte[] secret = secretOf.apply(principal);
        if (secret == null) {
            throw new SignatureException("unknown principal '" + principal + "'");
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(s.value());
        } catch (IllegalArgumentException e) {
            throw new SignatureException("signature of '" + principal + "' is not base64");
        }
        if (!MessageDigest.isEqual(given, mac(secret, principal, value == null ? new byte[0] : value))) {
            throw new SignatureException("signature of '" + principal + "' does not match the record");
        }
        return principal;
    }

    private static byte[] mac(byte[] secret, String principal, byte[] value) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret, HMAC));
            mac.update(principal.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return mac.doFinal(value);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A record whose producer cannot be established. */
    public static final class SignatureException extends RuntimeException {
        public SignatureException(String reason) {
            super(reason);
        }
    }

    private MessageSignature() {
    }
}
