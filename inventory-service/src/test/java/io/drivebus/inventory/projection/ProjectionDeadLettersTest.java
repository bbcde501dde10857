package io.drivebus.inventory.projection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Found by the system tests' malformed-input corpus (MalformedInputIT): a record at the broker's size limit could not be
 * dead-lettered whole with SmallRye's headers on top (RecordTooLargeException), the nack failed and the channel stopped
 * consuming. Such a record is now dead-lettered cut down, saying so.
 */
class ProjectionDeadLettersTest {

    @Test
    void aRecordAtTheBrokersLimitIsCutDownAndSaysSo() {
        byte[] huge = new byte[1_048_500];
        Arrays.fill(huge, (byte) 'x');
        assertTrue(ProjectionDeadLetters.tooLarge("lib1", huge));
        assertFalse(ProjectionDeadLetters.tooLarge("lib1", new byte[900_000]));
        assertFalse(ProjectionDeadLetters.tooLarge(null, null));
        ProducerRecord<String, byte[]> r = ProjectionDeadLetters.copy(Topics.DEVICE_STATUS, 2, 17, "lib1", huge,
                "not JSON: " + "y".repeat(50_000), "drivebus-inventory");
        assertEquals(Topics.dlq(Topics.DEVICE_STATUS), r.topic());
        assertEquals("lib1", r.key());
        assertEquals(io.drivebus.schemas.DeadLetters.KEPT_BYTES, r.value().length);
        assertTrue(header(r, Topics.DLQ_REASON_HEADER).startsWith("not JSON"));
        assertTrue(header(r, Topics.DLQ_REASON_HEADER).length() < io.drivebus.schemas.DeadLetters.REASON_CHARS + 50, "the reason is bounded");
        assertEquals("drivebus-inventory", header(r, Topics.DLQ_CONSUMER_HEADER));
        assertEquals(Topics.DEVICE_STATUS, header(r, Topics.DLQ_SOURCE_TOPIC_HEADER));
        assertTrue(header(r, io.drivebus.schemas.DeadLetters.TRUNCATED_HEADER).contains("value of 1048500 bytes"));
        // a huge key is cut down too
        assertEquals(1_024, ProjectionDeadLetters.copy(Topics.DEVICE_EVENTS, 0, 0, "k".repeat(2_000_000), null, "r", "c").key().length());
    }

    private static String header(ProducerRecord<String, byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
