package io.drivebus.reservation.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The order that makes appends outside the transaction safe: every append is acknowledged before a commit. */
class RequestsLogTest {

    // appends are acknowledged only when told (or flushed)
    private final MockProducer<String, byte[]> appends = new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
    private final RequestsLog.Producer log = new RequestsLog.Producer(appends);
    private final MockProducer<byte[], byte[]> streamsProducer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final RequestsLog.Flushing producer = new RequestsLog.Flushing(streamsProducer, log);

    RequestsLogTest() {
        producer.initTransactions();
        producer.beginTransaction();
    }

    @Test
    void aCommitWaitsForEveryAppend() {
        AtomicBoolean ackedAtCommit = new AtomicBoolean();
        MockProducer<byte[], byte[]> watching = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized void commitTransaction() {
                ackedAtCommit.set(appends.completeNext() == false); // nothing left to acknowledge
                super.commitTransaction();
            }
        };
        RequestsLog.Flushing p = new RequestsLog.Flushing(watching, log);
        p.initTransactions();
        p.beginTransaction();
        log.append("lib1", new byte[] {1}, new RecordHeaders(), 1L);
        log.append("lib1", new byte[] {2}, new RecordHeaders(), 2L);
        p.commitTransaction();
        assertTrue(ackedAtCommit.get(), "an append was still unacknowledged when the transaction committed");
        assertTrue(watching.transactionCommitted());
        assertEquals(2, appends.history().size());
    }

    @Test
    void aFailedAppendFailsTheCommitSoTheInputIsReadAgain() {
        log.append("lib1", new byte[] {1}, new RecordHeaders(), 1L);
        appends.errorNext(new KafkaException("broker gone"));
        KafkaException e = assertThrows(KafkaException.class, producer::commitTransaction);
        assertTrue(e.getMessage().contains("not committing"), e.getMessage());
        assertFalse(streamsProducer.transactionCommitted());
    }

    @Test
    void anotherThreadsFailedAppendDoesNotFailThisThreadsCommit() throws Exception {
        Thread other = new Thread(() -> log.append("lib2", new byte[] {1}, new RecordHeaders(), 1L));
        other.start();
        other.join();
        appends.errorNext(new KafkaException("broker gone"));
        producer.commitTransaction(); // this thread's appends all went through
        assertTrue(streamsProducer.transactionCommitted());
    }
}
