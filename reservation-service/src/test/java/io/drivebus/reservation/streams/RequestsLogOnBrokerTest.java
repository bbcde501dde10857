package io.drivebus.reservation.streams;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.reservation.core.Fixtures;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.stack.TopicSetup;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The service's own appends to the requests topic (here: a relayed status) do not hold back the client requests
 * behind them until its next commit ({@link RequestsLog}). The commit interval is made long, so that "before the
 * commit" is a wide window: a reserve sent after a status must be granted while the status's offset is still
 * uncommitted. With the relay inside the transaction the service could not read the reserve before that commit.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@TestProfile(RequestsLogOnBrokerTest.LongCommitInterval.class)
class RequestsLogOnBrokerTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    final MessageCodec codec = MessageCodec.get();

    public static class LongCommitInterval implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kafka-streams.commit.interval.ms", "20000",
                    "kafka-streams.producer.transaction.timeout.ms", "60000",
                    "drivebus.reservation.hanging-transaction-after", "0s",
                    "kafka-streams.application.id", "drivebus-reservation-requests-log-test");
        }
    }

    @Inject
    ReservationStreams streams;

    @Test
    void aRequestBehindARelayedStatusIsDecidedBeforeTheCommit() throws Exception {
        String bootstrap = KafkaTestResource.bootstrap();
        TopicSetup.ensureTopics(bootstrap, 4, Map.of(), "h1");
        awaitRunning();
        int beforeCommit = 0;
        try (KafkaProducer<String, byte[]> producer = ReservationOnBrokerTest.producer(bootstrap);
                TopicReader requests = new TopicReader(bootstrap, Topics.RESERVATION_REQUESTS);
                TopicReader answers = TopicReader.uncommitted(bootstrap, Topics.RESERVATION_EVENTS);
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            // rounds take milliseconds and commits are 20 s apart, so at most one round can straddle a commit
            for (int round = 0; round < 3; round++) {
                String lib = "loglib-" + round + "-" + Long.toHexString(System.nanoTime());
                RecordMetadata status = producer.send(new ProducerRecord<>(Topics.DEVICE_STATUS, lib,
                        codec.encode(Envelope.of("agent", null, Fixtures.status(lib, 1, 6, List.of(Fixtures.loaded("d0", 2))))))).get();
                // read_committed: a relayed copy is visible at once, being outside the service's transaction
                requests.await(r -> lib.equals(r.key()) && r.headers().lastHeader(RelayedRecords.FROM_HEADER) != null, WAIT);
                Envelope<ReserveRequest> reserve = Envelope.of("it", null, ReserveRequest.bySlot(lib, Fixtures.ALICE, 2));
                producer.send(new ProducerRecord<>(Topics.RESERVATION_REQUESTS, lib, codec.encode(reserve))).get();
                var answer = codec.decode(answers.await(r -> reserve.id().equals(codec.decode(r.value()).correlationId()), WAIT).value());
                assertInstanceOf(ReservationGranted.class, answer.payload());
                if (!committed(admin, new TopicPartition(Topics.DEVICE_STATUS, status.partition()), status.offset())) {
                    beforeCommit++;
                }
            }
        }
        assertTrue(beforeCommit >= 2, "granted before the status's offset was committed in " + beforeCommit + " of 3 rounds");
    }

    private void awaitRunning() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (streams.state() != org.apache.kafka.streams.KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    private static boolean committed(Admin admin, TopicPartition tp, long offset) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("drivebus-reservation-requests-log-test")
                .partitionsToOffsetAndMetadata().get();
        OffsetAndMetadata committed = offsets.get(tp);
        return committed != null && committed.offset() > offset;
    }
}
