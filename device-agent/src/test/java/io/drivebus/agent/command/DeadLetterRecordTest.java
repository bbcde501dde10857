package io.drivebus.agent.command;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * Found by the system tests' malformed-input corpus (MalformedInputIT): a command record at the broker's size limit
 * could not be dead-lettered with the reason headers on top (RecordTooLargeException), so the command consumer
 * restarted on the same record forever. Its dead-letter copy is now cut down to fit.
 */
class DeadLetterRecordTest {

    @Test
    void aRecordAtTheBrokersLimitIsCutDownAndSaysSo() {
        byte[] huge = new byte[1_048_500];
        Arrays.fill(huge, (byte) 'x');
        ProducerRecord<byte[], byte[]> out = CommandHandler.deadLetterRecord(record("h1".getBytes(StandardCharsets.UTF_8), huge),
                "not JSON: " + "y".repeat(10_000), "drivebus-agent-h1");
        assertEquals("drivebus.device.commands.dlq", out.topic(), "every host's command topic shares one dead-letter topic");
        assertArrayEquals("h1".getBytes(StandardCharsets.UTF_8), out.key());
        assertEquals(io.drivebus.schemas.DeadLetters.KEPT_BYTES, out.value().length);
        assertTrue(text(out, io.drivebus.schemas.DeadLetters.TRUNCATED_HEADER).contains("value of 1048500 bytes"));
        assertTrue(text(out, Topics.DLQ_REASON_HEADER).length() < io.drivebus.schemas.DeadLetters.REASON_CHARS + 50, "the reason is bounded too");
        assertTrue(text(out, Topics.DLQ_REASON_HEADER).startsWith("not JSON"));
        assertEquals("drivebus-agent-h1", text(out, Topics.DLQ_CONSUMER_HEADER));
    }

    @Test
    void aRecordUnderTheBoundKeepsItsOriginalBytes() {
        byte[] value = "not json".getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> out = CommandHandler.deadLetterRecord(record("h1".getBytes(StandardCharsets.UTF_8), value),
                "not JSON", "drivebus-agent-h1");
        assertArrayEquals(value, out.value());
        assertNull(out.headers().lastHeader(io.drivebus.schemas.DeadLetters.TRUNCATED_HEADER));
        assertNull(CommandHandler.deadLetterRecord(record(null, null), "empty record (null value)", "g").value());
    }

    private static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value) {
        return new ConsumerRecord<>(Topics.deviceCommands("h1"), 0, 42L, key, value);
    }

    private static String text(ProducerRecord<byte[], byte[]> r, String header) {
        Header h = r.headers().lastHeader(header);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
