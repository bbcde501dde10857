package io.drivebus.reservation.streams;

import io.drivebus.schemas.Topics;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the service itself appends to the requests topic (relayed statuses and results, ticks, forwarded requests),
 * written outside its Streams transaction. Inside it, each such record would hold the partition's last stable
 * offset until the commit, and every client request behind it would wait for that commit before the service could
 * read it. Out of the transaction, a record is appended at least once: a relay or forward is acknowledged before
 * the processor goes on (so before its input's offset can commit), and a copy appended twice, by a replay or by
 * a fenced instance, is decided once (a status by its sequence, a result by its command, a forward by its request
 * id, a tick changes nothing the first did not).
 */
interface RequestsLog {

    /** @param durable wait for the broker's acknowledgement (a relay or forward); a tick is sent again if lost */
    void append(String key, byte[] value, Headers headers, long timestamp, boolean durable);

    /** A plain idempotent producer, with the connection and security settings of the Streams clients. */
    final class Producer implements RequestsLog, AutoCloseable {
        private static final Duration ACK_WAIT = Duration.ofSeconds(30);
        private final KafkaProducer<String, byte[]> producer;

        Producer(Properties streams) {
            Properties p = HangingTransactions.adminProperties(streams);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, streams.getProperty("client.id", "drivebus-reservation") + "-requests-log");
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(2 * 1024 * 1024)); // relayed statuses of 10,000 slots
            producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public void append(String key, byte[] value, Headers headers, long timestamp, boolean durable) {
            var sent = producer.send(new ProducerRecord<>(Topics.RESERVATION_REQUESTS, null, timestamp, key, value, headers));
            if (durable) {
                try {
                    sent.get(ACK_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted appending to " + Topics.RESERVATION_REQUESTS, e);
                } catch (Exception e) {
                    // the stream thread is replaced and the task resumes from its last commit, relaying again
                    throw new IllegalStateException("could not append to " + Topics.RESERVATION_REQUESTS, e);
                }
            }
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
