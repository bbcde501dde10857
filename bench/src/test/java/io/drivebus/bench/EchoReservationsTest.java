package io.drivebus.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.stack.ServiceProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ceiling's echo answers as the load generator needs, with valid events, and runs on the service's settings. */
class EchoReservationsTest {
    private final MessageCodec codec = MessageCodec.get();
    private final Owner owner = new Owner("job-1", "loadgen");

    @Test
    void answersAReserveGrantedThenReadyAndAReleaseReleasedOnceWithEventsTheSchemasAccept(@TempDir Path dir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "echo-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        try (TopologyTestDriver t = new TopologyTestDriver(EchoReservations.topology(EchoReservations.State.ANSWERED_ONCE), p)) {
            TestInputTopic<String, byte[]> in = t.createInputTopic(Topics.RESERVATION_REQUESTS, new StringSerializer(), new ByteArraySerializer());
            TestOutputTopic<String, byte[]> out = t.createOutputTopic(Topics.RESERVATION_EVENTS, new StringDeserializer(), new ByteArrayDeserializer());
            KeyValueStore<String, byte[]> store = t.getKeyValueStore(EchoReservations.STORE);

            in.pipeInput("lib-1", codec.encode(Envelope.of("bench", null, ReserveRequest.bySlot("lib-1", owner, 3))));
            List<KeyValue<String, byte[]>> answers = out.readKeyValuesToList();
            assertEquals(2, answers.size());
            // decode checks each against its schema
            Envelope<?> granted = codec.decode(answers.get(0).value);
            Envelope<?> ready = codec.decode(answers.get(1).value);
            assertTrue(granted.payload() instanceof ReservationGranted);
            ReservationReady r = (ReservationReady) ready.payload();
            assertEquals("lib-1", answers.get(1).key);
            assertEquals(owner, r.owner());
            assertEquals(3, r.slot());
            assertEquals(1, r.token());
            assertTrue(store.get("lib-1/" + r.reservationId()) != null);

            Envelope<ReleaseRequest> release = Envelope.of("bench", null, new ReleaseRequest("lib-1", r.reservationId(), owner, null));
            in.pipeInput("lib-1", codec.encode(release));
            Envelope<?> released = codec.decode(out.readValue());
            assertEquals(release.id(), released.correlationId());
            assertEquals(r.reservationId(), ((ReservationReleased) released.payload()).reservationId());
            assertNull(store.get("lib-1/" + r.reservationId()));
            assertTrue(out.isEmpty());

            // a request sent again is not answered again
            in.pipeInput("lib-1", codec.encode(release));
            assertTrue(out.isEmpty());

            // the same slot again: a new reservation under the next token
            in.pipeInput("lib-1", codec.encode(Envelope.of("bench", null, ReserveRequest.bySlot("lib-1", owner, 3))));
            ReservationReady again = (ReservationReady) codec.decode(out.readKeyValuesToList().get(1).value).payload();
            assertEquals(2, again.token());
        }
    }

    @Test
    void takesTheServiceStreamsSettingsButNotItsIdentityOrDirectory() {
        Properties p = EchoReservations.streamsSettings(
                ServiceProcess.repositoryRoot().resolve("reservation-service/src/main/resources/application.properties"));
        assertEquals("exactly_once_v2", p.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals("100", p.getProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals("1", p.getProperty("producer.linger.ms"));
        assertFalse(p.containsKey(StreamsConfig.APPLICATION_ID_CONFIG));
        assertFalse(p.containsKey(StreamsConfig.STATE_DIR_CONFIG));
        assertFalse(p.containsKey(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG));
        assertTrue(p.stringPropertyNames().stream().noneMatch(k -> k.startsWith("drivebus.") || k.startsWith("%")), p::toString);
    }
}
