package io.drivebus.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.stack.KafkaBroker;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recorded history the invariants are checked on, on a real broker; and the agent-side fencing rule on its own. */
class EventHistoryTest {

    @Test
    void anAgentRunningACommandBelowATokenItRanIsAViolation() {
        EventHistory h = results(result("c1", "d1", 5, CommandOutcome.done), result("c2", "d1", 5, CommandOutcome.done),
                result("c3", "d2", 3, CommandOutcome.done), result("c4", "d1", 4, CommandOutcome.failed));
        assertEquals(List.of("drive lib-1/d1: unload c4 ran under token 4 after 5"), h.agentsRanNothingBelowTheirHighest(),
                "an unload under the load's own token is fine; another drive's lower token is its own; a lower one after is not");
    }

    @Test
    void aRefusedCommandOrAResultSentAgainIsNoSecondRun() {
        EventHistory h = results(result("c1", "d1", 5, CommandOutcome.done), result("c2", "d1", 6, CommandOutcome.done),
                result("c3", "d1", 4, CommandOutcome.refused), result("c1", "d1", 5, CommandOutcome.done));
        assertEquals(List.of(), h.agentsRanNothingBelowTheirHighest());
    }

    private static EventHistory results(DeviceCommandResult... rs) {
        EventHistory h = new EventHistory();
        for (DeviceCommandResult r : rs) {
            h.messages.add(Envelope.of("device-agent/host-1", r.commandId(), r));
        }
        return h;
    }

    private static DeviceCommandResult result(String commandId, String drive, long token, CommandOutcome outcome) {
        return new DeviceCommandResult("lib-1", commandId, "host-1", drive, DeviceAction.unload, token, outcome,
                outcome == CommandOutcome.done ? null : DrivebusError.fatal(ErrorReason.invalid, "test"), 1, null, null, null);
    }

    @Test
    void anAnswerStillInAnOpenTransactionIsReadOnceItCommits(@TempDir Path dir) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dir, 0)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(Topics.RESERVATION_EVENTS, 1, (short) 1))).all().get();
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "event-history-test");
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                ReservationReady ready = new ReservationReady("lib-1", "res-1", new Owner("job-1", "site"), "d1", "/dev/nst1", 1, null, null, 7,
                        Instant.parse("2026-12-07T00:00:00Z"));
                producer.send(new ProducerRecord<>(Topics.RESERVATION_EVENTS, "lib-1",
                        MessageCodec.get().encode(Envelope.of("reservation-service/test", "req-1", ready)))).get();
                // as a client reads an answer before its commit, and the test then reads the history at once
                CompletableFuture<Void> commit = CompletableFuture.runAsync(() -> {
                    try {
                        Thread.sleep(3_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    producer.commitTransaction();
                });
                EventHistory history = EventHistory.read(broker.bootstrap(), Topics.RESERVATION_EVENTS);
                commit.get();
                assertEquals(List.of(), history.requestsAnsweredExactlyOnce(Set.of("req-1")));
            }
        }
    }
}
