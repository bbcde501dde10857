package io.drivebus.schemas;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Headers;

/**
 * What a dead-letter copy carries, the same for every consumer: the original key and value with the reason headers
 * ({@link Topics#DLQ_REASON_HEADER}, source topic, consumer). A record near the broker's size limit (1 MiB by default)
 * would no longer fit with those headers on top: the copy would be refused, and a consumer that must dead-letter
 * before it goes on would fail on the same record forever. So above {@link #MAX_BYTES} only the first
 * {@link #KEPT_BYTES} of the value (and of a huge key) are kept, and {@value #TRUNCATED_HEADER} says how large they
 * were. Reasons are bounded too.
 */
public final class DeadLetters {
    /** Above this, key and value would not fit the broker's 1 MiB bound with the reason headers on top. */
    public static final int MAX_BYTES = 1_000_000;
    public static final int KEPT_BYTES = 64 * 1024;
    public static final int KEPT_KEY_CHARS = 1_024;
    public static final int REASON_CHARS = 2_000;
    public static final String TRUNCATED_HEADER = "dead-letter-truncated";

    public static boolean tooLarge(int keyBytes, int valueBytes) {
        return keyBytes + valueBytes > MAX_BYTES;
    }

    public static int size(String key) {
        return key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length;
    }

    public static int size(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    /** The value a too-large record's copy keeps. */
    public static byte[] keptValue(byte[] value) {
        return value != null && value.length > KEPT_BYTES ? Arrays.copyOf(value, KEPT_BYTES) : value;
    }

    public static String keptKey(String key) {
        return size(key) > KEPT_BYTES ? key.substring(0, KEPT_KEY_CHARS) : key;
    }

    public static byte[] keptKey(byte[] key) {
        return size(key) > KEPT_BYTES ? Arrays.copyOf(key, KEPT_KEY_CHARS) : key;
    }

    public static String boundedReason(String reason) {
        return reason == null || reason.length() <= REASON_CHARS ? reason : reason.substring(0, REASON_CHARS) + "…(" + reason.length() + " chars)";
    }

    /** Adds the reason, source-topic and consumer headers. */
    public static void addReason(Headers headers, String reason, String sourceTopic, String consumer) {
        headers.add(Topics.DLQ_REASON_HEADER, bytes(String.valueOf(boundedReason(reason))));
        headers.add(Topics.DLQ_SOURCE_TOPIC_HEADER, bytes(sourceTopic));
        headers.add(Topics.DLQ_CONSUMER_HEADER, bytes(consumer));
    }

    /** Says how large a too-large record was (its copy keeps only the start). */
    public static void addTruncated(Headers headers, int keyBytes, int valueBytes) {
        headers.add(TRUNCATED_HEADER, bytes("key of " + keyBytes + " bytes, value of " + valueBytes + " bytes; the first " + KEPT_BYTES
                + " bytes kept"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private DeadLetters() {
    }
}
