package io.drivebus.reservation.streams;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Statuses and command results reach a library's decisions through its requests partition: the service copies
 * them there from the agents' topics, so each library has one input log whose order a replay repeats (see
 * docs/design-notes.md). The copy names the topic it came from and, when records are authenticated, carries the
 * service's own HMAC over that topic and the value, so nobody else can put a status or a result on the requests
 * topic. The agent's signature headers travel with the copy and are verified when it is applied.
 */
public final class RelayedRecords {
    public static final String FROM_HEADER = "drivebus-relayed-from";
    public static final String SIGNATURE_HEADER = "drivebus-relay-signature";

    /** Marks {@code headers} as relayed from {@code topic}; {@code secret} null: records are not authenticated. */
    static void mark(Headers headers, String topic, byte[] value, byte[] secret) {
        headers.remove(FROM_HEADER);
        headers.remove(SIGNATURE_HEADER);
        headers.add(FROM_HEADER, topic.getBytes(StandardCharsets.UTF_8));
        if (secret != null) {
            headers.add(SIGNATURE_HEADER, Base64.getEncoder().encode(mac(secret, topic, value)));
        }
    }

    /** The topic a relayed record came from, or null for a record sent to the requests topic directly. */
    static String from(Headers headers) {
        Header h = headers.lastHeader(FROM_HEADER);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Whether the service itself relayed the record ({@code secret} null: not checked). */
    static boolean relayedByUs(Headers headers, String topic, byte[] value, byte[] secret) {
        if (secret == null) {
            return true;
        }
        Header s = headers.lastHeader(SIGNATURE_HEADER);
        if (s == null) {
            return false;
        }
        try {
            return MessageDigest.isEqual(Base64.getDecoder().decode(s.value()), mac(secret, topic, value == null ? new byte[0] : value));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] mac(byte[] secret, String topic, byte[] value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(("relayed from " + topic).getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return mac.doFinal(value);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private RelayedRecords() {
    }
}
