package io.drivebus.reservation.streams;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.reservation.core.Fixtures;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.stack.TopicSetup;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The service on a real broker: exactly-once transactions, real topics, real dead letters. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class ReservationOnBrokerTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    final MessageCodec codec = MessageCodec.get();

    @Inject
    ReservationStreams streams;

    @Test
    void grantsLoadsAndAnswersOnTheRealBroker() throws Exception {
        String bootstrap = KafkaTestResource.bootstrap();
        // a library of its own, so a broker given by DRIVEBUS_KAFKA_BOOTSTRAP may hold earlier runs' records
        String lib = "itlib-" + Long.toHexString(System.nanoTime());
        awaitRunning();
        TopicSetup.ensureTopics(bootstrap, 4, Map.of(), "h1"); // the agent's own topic; this test plays agent h1
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap);
                TopicReader events = new TopicReader(bootstrap, Topics.RESERVATION_EVENTS);
                TopicReader commands = new TopicReader(bootstrap, Topics.deviceCommands("h1"));
                TopicReader dlq = new TopicReader(bootstrap, Topics.dlq(Topics.RESERVATION_REQUESTS))) {
            send(producer, Topics.DEVICE_STATUS, lib,
                    codec.encode(Envelope.of("agent", null, Fixtures.status(lib, 1, 6, List.of(Fixtures.empty("d0"))))));

            // garbage first: it must be dead-lettered with its reason and must not stop the processor
            send(producer, Topics.RESERVATION_REQUESTS, lib, "{\"type\":\"reserve\"".getBytes(StandardCharsets.UTF_8));
            var dead = dlq.await(r -> lib.equals(r.key()), WAIT);
            String reason = new String(dead.headers().lastHeader(Topics.DLQ_REASON_HEADER).value(), StandardCharsets.UTF_8);
            assertEquals(true, reason.startsWith("not JSON"), reason);

            Envelope<ReserveRequest> req = Envelope.of("it", null, ReserveRequest.bySlot(lib, Fixtures.ALICE, 2));
            send(producer, Topics.RESERVATION_REQUESTS, lib, codec.encode(req));
            Envelope<? extends Payload> granted = answer(events, req.id());
            assertInstanceOf(ReservationGranted.class, granted.payload());

            var cmdRecord = commands.await(r -> "h1".equals(r.key()) && req.id().equals(codec.decode(r.value()).correlationId()), WAIT);
            Envelope<? extends Payload> cmd = codec.decode(cmdRecord.value());
            DeviceCommand load = (DeviceCommand) cmd.payload();
            send(producer, Topics.DEVICE_EVENTS, lib, codec.encode(Envelope.of("agent", cmd.id(),
                    Fixtures.loadDone(lib, cmd.id(), load.drive(), load.token(), 2, load.reservationId()))));
            ReservationReady ready = (ReservationReady) answer(events, req.id()).payload();
            assertEquals("VOL002", ready.label());
            assertEquals(load.token(), ready.token());

            Envelope<ReserveRequest> second = Envelope.of("it", null, ReserveRequest.bySlot(lib, Fixtures.BOB, 2));
            send(producer, Topics.RESERVATION_REQUESTS, lib, codec.encode(second));
            ReservationDenied denied = (ReservationDenied) answer(events, second.id()).payload();
            assertEquals(ErrorReason.volinuse, denied.error().reason());
            assertEquals(Fixtures.ALICE, denied.error().holder());
        }
        // what a dashboard watches: Streams' own figures, next to the service's
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("kafka_stream_thread_commit_latency_max{"), "commit latency on /q/metrics");
        double processed = metrics.lines().filter(l -> l.startsWith("kafka_stream_thread_process_total{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        assertTrue(processed >= 4, "records the stream thread processed: " + processed);
        // the service's stores opened with the one memory budget (BoundedRocksDbMemory), their memtables paid from it
        BoundedRocksDbMemory.Shared shared = BoundedRocksDbMemory.current();
        assertNotNull(shared, "the stores were configured by BoundedRocksDbMemory");
        assertEquals(BoundedRocksDbMemory.DEFAULT_MEMORY_BYTES, shared.bytes());
        long usage = shared.cache().getUsage();
        assertTrue(usage > 0 && usage <= shared.bytes(), "usage of the shared cache: " + usage);
    }

    private Envelope<? extends Payload> answer(TopicReader events, String requestId) {
        return codec.decode(events.await(r -> requestId.equals(codec.decode(r.value()).correlationId()), WAIT).value());
    }

    private void awaitRunning() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (streams.state() != org.apache.kafka.streams.KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(org.apache.kafka.streams.KafkaStreams.State.RUNNING, streams.state());
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }
}
