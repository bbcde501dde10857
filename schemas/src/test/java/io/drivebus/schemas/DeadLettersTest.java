package io.drivebus.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    @Test
    void onlyARecordNearTheBrokersLimitIsCutDownAndTheHeadersSaySo() {
        assertFalse(DeadLetters.tooLarge(10, DeadLetters.MAX_BYTES - 10));
        assertTrue(DeadLetters.tooLarge(11, DeadLetters.MAX_BYTES - 10));
        byte[] small = "not json".getBytes(StandardCharsets.UTF_8);
        assertSame(small, DeadLetters.keptValue(small));
        assertEquals(DeadLetters.KEPT_BYTES, DeadLetters.keptValue(new byte[1_048_000]).length);
        assertEquals(DeadLetters.KEPT_KEY_CHARS, DeadLetters.keptKey("k".repeat(100_000)).length());
        assertArrayEquals("h1".getBytes(StandardCharsets.UTF_8), DeadLetters.keptKey("h1".getBytes(StandardCharsets.UTF_8)));

        RecordHeaders h = new RecordHeaders();
        DeadLetters.addReason(h, "not JSON: " + "y".repeat(10_000), "drivebus.device.status", "inventory-service");
        DeadLetters.addTruncated(h, 2, 1_048_000);
        String reason = new String(h.lastHeader(Topics.DLQ_REASON_HEADER).value(), StandardCharsets.UTF_8);
        assertTrue(reason.startsWith("not JSON") && reason.length() < DeadLetters.REASON_CHARS + 50, "bounded: " + reason.length());
        assertEquals("drivebus.device.status", new String(h.lastHeader(Topics.DLQ_SOURCE_TOPIC_HEADER).value(), StandardCharsets.UTF_8));
        assertEquals("inventory-service", new String(h.lastHeader(Topics.DLQ_CONSUMER_HEADER).value(), StandardCharsets.UTF_8));
        assertTrue(new String(h.lastHeader(DeadLetters.TRUNCATED_HEADER).value(), StandardCharsets.UTF_8).contains("value of 1048000 bytes"));
    }
}
