package io.drivebus.reservation.streams;

import static io.drivebus.reservation.core.Fixtures.ALICE;
import static io.drivebus.reservation.core.Fixtures.BOB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.reservation.core.Fixtures;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationExpired;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The adapter without a broker: routing, dead letters, de-duplication, wall-clock expiry. */
class ReservationTopologyTest {
    static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    final MessageCodec codec = MessageCodec.get();

    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> requests;
    TestInputTopic<String, byte[]> status;
    TestInputTopic<String, byte[]> deviceEvents;
    TestOutputTopic<String, byte[]> events;
    TestOutputTopic<String, byte[]> commands;
    TestOutputTopic<String, byte[]> requestsDlq;

    @BeforeEach
    void setUp() {
        driver = TestDrivers.of(ReservationTopology.build(Duration.ofMillis(250), "test"), T0);
        var s = Serdes.String();
        var b = Serdes.ByteArray();
        requests = driver.createInputTopic(Topics.RESERVATION_REQUESTS, s.serializer(), b.serializer());
        status = driver.createInputTopic(Topics.DEVICE_STATUS, s.serializer(), b.serializer());
        deviceEvents = driver.createInputTopic(Topics.DEVICE_EVENTS, s.serializer(), b.serializer());
        events = driver.createOutputTopic(Topics.RESERVATION_EVENTS, s.deserializer(), b.deserializer());
        commands = driver.createOutputTopic(Topics.deviceCommands("h1"), s.deserializer(), b.deserializer());
        requestsDlq = driver.createOutputTopic(Topics.dlq(Topics.RESERVATION_REQUESTS), s.deserializer(), b.deserializer());
        status.pipeInput("lib1", codec.encode(Envelope.of("agent", null,
                Fixtures.status("lib1", 1, 10, List.of(Fixtures.empty("d0"), Fixtures.empty("d1"))))));
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void reserveFlowsToAGrantAKeyedLoadCommandAndReady() {
        Envelope<ReserveRequest> req = Envelope.of("cli", null, ReserveRequest.bySlot("lib1", ALICE, 3));
        requests.pipeInput("lib1", codec.encode(req));
        TestRecord<String, byte[]> granted = events.readRecord();
        assertEquals("lib1", granted.key());
        Envelope<? extends Payload> g = codec.decode(granted.value());
        assertEquals(req.id(), g.correlationId());
        assertInstanceOf(ReservationGranted.class, g.payload());
        TestRecord<String, byte[]> cmd = commands.readRecord();
        assertEquals("h1", cmd.key(), "commands are keyed by the agent's host");
        Envelope<? extends Payload> c = codec.decode(cmd.value());
        DeviceCommand load = (DeviceCommand) c.payload();
        deviceEvents.pipeInput("lib1", codec.encode(Envelope.of("agent", c.id(),
                Fixtures.loadDone("lib1", c.id(), load.drive(), load.token(), 3, load.reservationId()))));
        Envelope<? extends Payload> ready = codec.decode(events.readValue());
        assertEquals(req.id(), ready.correlationId());
        assertEquals("VOL003", ((ReservationReady) ready.payload()).label());
        assertTrue(events.isEmpty());
    }

    @Test
    void aResentRequestIsDecidedOnce() {
        byte[] req = codec.encode(Envelope.of("cli", null, ReserveRequest.bySlot("lib1", ALICE, 3)));
        requests.pipeInput("lib1", req);
        requests.pipeInput("lib1", req);
        assertInstanceOf(ReservationGranted.class, codec.decode(events.readValue()).payload());
        assertTrue(events.isEmpty(), "the duplicate got no second grant and no volinuse");
    }

    @Test
    void aRequestSentAgainWithinTheHourIsDecidedOnceAndLongAfterAgain() {
        // slot 99 does not exist: each decision of this request is a denial, whatever happened in between
        byte[] req = codec.encode(Envelope.of("cli", null, ReserveRequest.bySlot("lib1", ALICE, 99)));
        Instant first = T0.plus(SeenRequests.SLICE).minusSeconds(1); // the end of a half-hour: its id is kept at the start
        requests.pipeInput("lib1", req, first);
        assertInstanceOf(ReservationDenied.class, codec.decode(events.readValue()).payload());

        Instant withinTheHour = first.plus(SeenRequests.REMEMBERED).minusMillis(1);
        // another request first: the newest id stored is what ages the store's entries
        requests.pipeInput("lib1", codec.encode(Envelope.of("cli", null, ReserveRequest.bySlot("lib1", BOB, 98))), withinTheHour);
        assertInstanceOf(ReservationDenied.class, codec.decode(events.readValue()).payload());
        requests.pipeInput("lib1", req, withinTheHour);
        assertTrue(events.isEmpty(), "sent again within the hour: not decided again");

        requests.pipeInput("lib1", req, first.plus(SeenRequests.STORE_RETENTION).plus(SeenRequests.SLICE));
        assertInstanceOf(ReservationDenied.class, codec.decode(events.readValue()).payload(),
                "the memory is bounded: long after, the id is forgotten and the request decided again");
    }

    @Test
    void badRecordsGoToTheDeadLetterTopicWithTheReasonAndProcessingGoesOn() {
        requests.pipeInput("lib1", "not json".getBytes(StandardCharsets.UTF_8));
        requests.pipeInput("lib1", codec.encode(Envelope.of("agent", null,
                Fixtures.status("lib1", 2, 10, List.of(Fixtures.empty("d0"))))));
        requests.pipeInput("other", codec.encode(Envelope.of("cli", null, ReserveRequest.bySlot("lib1", ALICE, 3))));
        Envelope<ReserveRequest> unknown = Envelope.of("cli", null, ReserveRequest.bySlot("nolib", ALICE, 3));
        requests.pipeInput("nolib", codec.encode(unknown));

        List<TestRecord<String, byte[]>> dead = requestsDlq.readRecordsToList();
        assertEquals(4, dead.size());
        assertTrue(reason(dead.get(0)).startsWith("not JSON"), reason(dead.get(0)));
        assertTrue(reason(dead.get(1)).contains("does not belong on"), reason(dead.get(1)));
        assertTrue(reason(dead.get(2)).contains("does not match payload library"), reason(dead.get(2)));
        assertTrue(reason(dead.get(3)).contains("unknown library 'nolib'"), reason(dead.get(3)));
        assertEquals("not json", new String(dead.get(0).value(), StandardCharsets.UTF_8), "the original bytes are kept");
        // the unknown-library request is still answered, with a typed error
        Envelope<? extends Payload> denied = codec.decode(events.readValue());
        assertEquals(unknown.id(), denied.correlationId());
        assertEquals(ErrorReason.notfound, ((ReservationDenied) denied.payload()).error().reason());
        // and the processor goes on
        requests.pipeInput("lib1", codec.encode(Envelope.of("cli", null, ReserveRequest.bySlot("lib1", BOB, 4))));
        assertInstanceOf(ReservationGranted.class, codec.decode(events.readValue()).payload());
    }

    @Test
    void aRecordAtTheBrokersSizeLimitIsDeadLetteredTruncatedSoItsCopyFitsAndProcessingGoesOn() {
        // found by MalformedInputIT: a copy with the reason headers on top no longer fit max.request.size (1 MiB), the
        // stream thread failed, was replaced, and failed on the same record again, forever
        byte[] huge = new byte[1_048_500];
        java.util.Arrays.fill(huge, (byte) 'x');
        requests.pipeInput("lib1", huge);
        TestRecord<String, byte[]> dead = requestsDlq.readRecord();
        assertTrue(reason(dead).startsWith("not JSON"), reason(dead));
        assertEquals("lib1", dead.key());
        assertEquals(io.drivebus.schemas.DeadLetters.KEPT_BYTES, dead.value().length, "only the start of the value is kept");
        assertTrue(new String(dead.headers().lastHeader(io.drivebus.schemas.DeadLetters.TRUNCATED_HEADER).value(), StandardCharsets.UTF_8)
                .contains("value of 1048500 bytes"));
        // a copy under the bound keeps the original bytes whole
        byte[] large = new byte[900_000];
        java.util.Arrays.fill(large, (byte) 'y');
        requests.pipeInput("lib1", large);
        dead = requestsDlq.readRecord();
        assertTrue(java.util.Arrays.equals(large, dead.value()));
        assertEquals(null, dead.headers().lastHeader(io.drivebus.schemas.DeadLetters.TRUNCATED_HEADER));
        requests.pipeInput("lib1", codec.encode(Envelope.of("cli", null, ReserveRequest.bySlot("lib1", BOB, 4))));
        assertInstanceOf(ReservationGranted.class, codec.decode(events.readValue()).payload());
    }

    @Test
    void leasesExpireOnWallClockTimeWithoutAnyInput() {
        requests.pipeInput("lib1", codec.encode(Envelope.of("cli", null, ReserveRequest.bySlot("lib1", ALICE, 3).withLeaseMs(2000L))));
        events.readValue();
        Envelope<? extends Payload> c = codec.decode(commands.readValue());
        DeviceCommand load = (DeviceCommand) c.payload();
        deviceEvents.pipeInput("lib1", codec.encode(Envelope.of("agent", c.id(),
                Fixtures.loadDone("lib1", c.id(), load.drive(), load.token(), 3, load.reservationId()))));
        assertInstanceOf(ReservationReady.class, codec.decode(events.readValue()).payload());
        driver.advanceWallClockTime(Duration.ofMillis(1500));
        assertTrue(events.isEmpty());
        driver.advanceWallClockTime(Duration.ofMillis(1000));
        ReservationExpired x = (ReservationExpired) codec.decode(events.readValue()).payload();
        assertEquals(ALICE, x.owner());
        // the freed drive, still holding the volume, is granted again under a higher token
        requests.pipeInput("lib1", codec.encode(Envelope.of("cli", null, ReserveRequest.bySlot("lib1", BOB, 3))));
        ReservationGranted g = (ReservationGranted) codec.decode(events.readValue()).payload();
        assertEquals(x.drive(), g.drive());
        assertEquals(x.token() + 2, g.token(), "expiry moved the token on once, the new grant once more");
    }

    @Test
    void theSameRecordsAreDecidedTheSameWhereverAndWheneverTheyAreReplayed() {
        // clients read answers before the commit: after an abort, the replay must answer alike (ids, drives, tokens, times)
        List<String> first = decide(TestDrivers.of(ReservationTopology.build(Duration.ofMillis(250), "test"), T0));
        List<String> replay = decide(TestDrivers.of(ReservationTopology.build(Duration.ofMillis(250), "test"), T0));
        assertTrue(first.size() >= 8, "grants, loads, readies, expiries and the next grant: " + first);
        assertEquals(first, replay);
        assertEquals(first.size(), first.stream().map(v -> v.replaceAll("\"source\":\"[^\"]*\"", "")).distinct().count(),
                "every answer has ids of its own");
    }

    /** One fixed script of records (ids and broker times fixed too): reserves, loads, lease expiry, a reserve after it. */
    private List<String> decide(TopologyTestDriver d) {
        var s = Serdes.String();
        var b = Serdes.ByteArray();
        TestInputTopic<String, byte[]> req = d.createInputTopic(Topics.RESERVATION_REQUESTS, s.serializer(), b.serializer());
        TestInputTopic<String, byte[]> st = d.createInputTopic(Topics.DEVICE_STATUS, s.serializer(), b.serializer());
        TestInputTopic<String, byte[]> dev = d.createInputTopic(Topics.DEVICE_EVENTS, s.serializer(), b.serializer());
        TestOutputTopic<String, byte[]> ev = d.createOutputTopic(Topics.RESERVATION_EVENTS, s.deserializer(), b.deserializer());
        TestOutputTopic<String, byte[]> cmd = d.createOutputTopic(Topics.deviceCommands("h1"), s.deserializer(), b.deserializer());
        List<String> out = new java.util.ArrayList<>();
        try (d) {
            st.pipeInput(new TestRecord<>("lib1", codec.encode(Envelope.of("s-1", T0, "agent", null,
                    Fixtures.status("lib1", 1, 10, List.of(Fixtures.empty("d0"), Fixtures.empty("d1"))))), T0));
            req.pipeInput(new TestRecord<>("lib1", codec.encode(Envelope.of("r-1", T0, "cli", null,
                    ReserveRequest.bySlot("lib1", ALICE, 3).withLeaseMs(2000L))), T0.plusMillis(10)));
            req.pipeInput(new TestRecord<>("lib1", codec.encode(Envelope.of("r-2", T0, "cli", null,
                    ReserveRequest.bySlot("lib1", BOB, 4).withLeaseMs(60_000L))), T0.plusMillis(20)));
            for (TestRecord<String, byte[]> c : cmd.readRecordsToList()) {
                Envelope<? extends Payload> e = codec.decode(c.value());
                DeviceCommand load = (DeviceCommand) e.payload();
                out.add(new String(c.value(), StandardCharsets.UTF_8));
                dev.pipeInput(new TestRecord<>("lib1", codec.encode(Envelope.of("res-" + e.id(), T0, "agent", e.id(),
                        Fixtures.loadDone("lib1", e.id(), load.drive(), load.token(), load.slot(), load.reservationId()))), T0.plusMillis(30)));
            }
            d.advanceWallClockTime(Duration.ofSeconds(3)); // alice's lease lapses: a tick record expires it
            req.pipeInput(new TestRecord<>("lib1", codec.encode(Envelope.of("r-3", T0, "cli", null, ReserveRequest.bySlot("lib1", BOB, 3))),
                    T0.plusSeconds(4)));
            ev.readValuesToList().forEach(v -> out.add(new String(v, StandardCharsets.UTF_8)));
            cmd.readValuesToList().forEach(v -> out.add(new String(v, StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Test
    void statusesAndResultsAreRelayedOntoTheRequestsTopicAndDecidedFromThere() {
        TestOutputTopic<String, byte[]> relayed = driver.createOutputTopic(Topics.RESERVATION_REQUESTS, Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
        TestRecord<String, byte[]> copy = relayed.readRecord();
        assertEquals("lib1", copy.key());
        assertEquals(Topics.DEVICE_STATUS, new String(copy.headers().lastHeader(RelayedRecords.FROM_HEADER).value(), StandardCharsets.UTF_8));
        assertInstanceOf(io.drivebus.schemas.device.LibraryStatus.class, codec.decode(copy.value()).payload());
        // a status sent to the requests topic itself is not one the service relayed
        requests.pipeInput("lib1", codec.encode(Envelope.of("agent", null, Fixtures.status("lib1", 5, 10, List.of()))));
        assertTrue(new String(requestsDlq.readRecord().headers().lastHeader(Topics.DLQ_REASON_HEADER).value(),
                StandardCharsets.UTF_8).contains("does not belong on " + Topics.RESERVATION_REQUESTS));
    }

    @Test
    void aForwardedRequestIsDecidedByTheNextLibraryAndAnsweredUnderItsOriginalId() {
        status.pipeInput("lib2", codec.encode(Envelope.of("agent", null, Fixtures.status("lib2", 1, 10, List.of(Fixtures.empty("e0"))))));
        // lib1's two drives are both taken
        requests.pipeInput("lib1", codec.encode(Envelope.of("cli", null, ReserveRequest.bySlot("lib1", ALICE, 1))));
        requests.pipeInput("lib1", codec.encode(Envelope.of("cli", null, ReserveRequest.bySlot("lib1", ALICE, 2))));
        events.readRecordsToList();
        Envelope<ReserveRequest> req = Envelope.of("cli", null, new ReserveRequest("lib1", BOB, null, 3, null, null, null, null, null, null,
                null, List.of("lib2"), null, null, null));
        requests.pipeInput("lib1", codec.encode(req));
        TestRecord<String, byte[]> answer = events.readRecord();
        assertEquals("lib2", answer.key(), "answered by the library it was forwarded to");
        Envelope<? extends Payload> g = codec.decode(answer.value());
        assertEquals(req.id(), g.correlationId());
        assertEquals("e0", ((ReservationGranted) g.payload()).drive());
    }

    @Test
    void aStatusFromAHostWithoutACommandTopicIsRefusedSoNoCommandCanStallTheTask() {
        try (TopologyTestDriver d = TestDrivers.of(ReservationTopology.build(Duration.ofMillis(250), "test", false,
                null, host -> !host.equals("h1")), T0)) {
            var s = Serdes.String();
            var b = Serdes.ByteArray();
            var st = d.createInputTopic(Topics.DEVICE_STATUS, s.serializer(), b.serializer());
            var req = d.createInputTopic(Topics.RESERVATION_REQUESTS, s.serializer(), b.serializer());
            var ev = d.createOutputTopic(Topics.RESERVATION_EVENTS, s.deserializer(), b.deserializer());
            var statusDlq = d.createOutputTopic(Topics.dlq(Topics.DEVICE_STATUS), s.deserializer(), b.deserializer());
            st.pipeInput("lib9", codec.encode(Envelope.of("agent", null, Fixtures.status("lib9", 1, 10, List.of(Fixtures.empty("d0"))))));
            assertTrue(reason(statusDlq.readRecord()).contains("host 'h1' has no command topic drivebus.device.commands.h1"));
            req.pipeInput("lib9", codec.encode(Envelope.of("cli", null, ReserveRequest.bySlot("lib9", ALICE, 3))));
            assertInstanceOf(ReservationDenied.class, codec.decode(ev.readValue()).payload(), "the library was not taken on");
        }
    }

    private static String reason(TestRecord<String, byte[]> r) {
        Header h = r.headers().lastHeader(Topics.DLQ_REASON_HEADER);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
