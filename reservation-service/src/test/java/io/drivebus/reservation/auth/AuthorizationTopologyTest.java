package io.drivebus.reservation.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.reservation.core.Fixtures;
import io.drivebus.reservation.streams.RelayedRecords;
import io.drivebus.reservation.streams.ReservationTopology;
import io.drivebus.reservation.streams.TestDrivers;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.auth.MessageSignature;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.reservation.BreakRequest;
import io.drivebus.schemas.reservation.BreakScope;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.ReservationBroken;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 8.3: a forged owner, a forged host, an unsigned or tampered record, a break without rights — all refused. */
class AuthorizationTopologyTest {
    static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    static final Owner JOB = new Owner("nightly", "backup1.example");
    static final Principal BACKUP1 = p("backup1", Set.of("backup1.example"), Set.of(), Set.of());
    static final Principal OPS = p("ops", Set.of("*"), Set.of(Principal.BREAK_ANY, Principal.CHANGER), Set.of());
    static final Principal AGENT_H1 = p("agent-h1", Set.of(), Set.of(), Set.of("h1"));
    static final Principal AGENT_H2 = p("agent-h2", Set.of(), Set.of(), Set.of("h2"));
    static final Principal SELF = p("reservation-service", Set.of("*"), Set.of(), Set.of());
    final MessageCodec codec = MessageCodec.get();

    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> requests;
    TestInputTopic<String, byte[]> status;
    TestOutputTopic<String, byte[]> events;
    TestOutputTopic<String, byte[]> requestsDlq;
    TestOutputTopic<String, byte[]> statusDlq;

    static Principal p(String name, Set<String> sites, Set<String> roles, Set<String> hosts) {
        return new Principal(name, ("secret-of-" + name).getBytes(StandardCharsets.UTF_8), sites, roles, hosts);
    }

    @BeforeEach
    void setUp() {
        Map<String, Principal> all = Map.of("backup1", BACKUP1, "ops", OPS, "agent-h1", AGENT_H1, "agent-h2", AGENT_H2,
                "reservation-service", SELF);
        driver = TestDrivers.of(ReservationTopology.build(Duration.ofMillis(250), "test", false,
                new Security(all, new AccessPolicy(), "reservation-service")), T0);
        var s = Serdes.String();
        var b = Serdes.ByteArray();
        requests = driver.createInputTopic(Topics.RESERVATION_REQUESTS, s.serializer(), b.serializer());
        status = driver.createInputTopic(Topics.DEVICE_STATUS, s.serializer(), b.serializer());
        events = driver.createOutputTopic(Topics.RESERVATION_EVENTS, s.deserializer(), b.deserializer());
        requestsDlq = driver.createOutputTopic(Topics.dlq(Topics.RESERVATION_REQUESTS), s.deserializer(), b.deserializer());
        statusDlq = driver.createOutputTopic(Topics.dlq(Topics.DEVICE_STATUS), s.deserializer(), b.deserializer());
        pipe(status, "lib1", Fixtures.status("lib1", 1, 10, List.of(Fixtures.empty("d0"), Fixtures.empty("d1"))), AGENT_H1);
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    /** The records' timestamp: the service decides at its inputs' (broker) time. */
    Instant recordTime = T0;

    <P extends Payload> Envelope<P> pipe(TestInputTopic<String, byte[]> topic, String key, P payload, Principal signer) {
        Envelope<P> e = Envelope.of("test", null, payload);
        byte[] value = codec.encode(e);
        RecordHeaders h = new RecordHeaders();
        if (signer != null) {
            MessageSignature.sign(h, value, signer.name(), signer.secret());
        }
        topic.pipeInput(new TestRecord<>(key, value, h, recordTime));
        return e;
    }

    Payload answer() {
        return codec.decode(events.readValue()).payload();
    }

    @Test
    void aJobActsForItsOwnSiteOnly() {
        pipe(requests, "lib1", ReserveRequest.bySlot("lib1", JOB, 1), BACKUP1);
        assertInstanceOf(ReservationGranted.class, answer());
        // backup1 claims to be a job of another site: a forged owner
        pipe(requests, "lib1", ReserveRequest.bySlot("lib1", new Owner("nightly", "backup2.example"), 2), BACKUP1);
        ReservationDenied d = assertInstanceOf(ReservationDenied.class, answer());
        assertEquals(ErrorReason.unauthorized, d.error().reason());
        assertTrue(reason(requestsDlq.readRecord()).contains("may not act for owner nightly@backup2.example"));
    }

    @Test
    void unsignedOrTamperedRequestsAreRefusedAndAnswered() {
        pipe(requests, "lib1", ReserveRequest.bySlot("lib1", JOB, 1), null);
        assertEquals(ErrorReason.unauthorized, ((ReservationDenied) answer()).error().reason());
        assertTrue(reason(requestsDlq.readRecord()).startsWith("unauthenticated: unsigned record"));

        byte[] value = codec.encode(Envelope.of("test", null, ReserveRequest.bySlot("lib1", JOB, 1)));
        RecordHeaders h = new RecordHeaders();
        MessageSignature.sign(h, value, "backup1", "a guess".getBytes(StandardCharsets.UTF_8));
        requests.pipeInput(new TestRecord<>("lib1", value, h, T0));
        assertEquals(ErrorReason.unauthorized, ((ReservationDenied) answer()).error().reason());
        assertTrue(reason(requestsDlq.readRecord()).contains("does not match"));
    }

    @Test
    void breakAndChangerOperationsNeedTheirRoles() {
        Envelope<ReserveRequest> held = pipe(requests, "lib1", ReserveRequest.bySlot("lib1", JOB, 1), BACKUP1);
        answer();
        pipe(requests, "lib1", new BreakRequest("lib1", held.id(), new Owner("nightly", "backup1.example"), BreakScope.site, "mine"), BACKUP1);
        assertEquals(ErrorReason.unauthorized, ((ReservationDenied) answer()).error().reason(), "no break rights");
        pipe(requests, "lib1", ChangerRequest.of("lib1", JOB, ChangerOp.reset), BACKUP1);
        assertEquals(ErrorReason.unauthorized, ((ReservationDenied) answer()).error().reason(), "reset is an operator's");
        pipe(requests, "lib1", ChangerRequest.of("lib1", JOB, ChangerOp.info), BACKUP1);
        assertInstanceOf(io.drivebus.schemas.reservation.ChangerResult.class, answer(), "info is anyone's");
        pipe(requests, "lib1", new BreakRequest("lib1", held.id(), new Owner("alice", "ops"), BreakScope.any, "stuck"), OPS);
        assertInstanceOf(ReservationBroken.class, answer());
        // and only the owner's principal releases (the owner named must be one it acts for)
        pipe(requests, "lib1", new ReleaseRequest("lib1", "whatever", new Owner("x", "backup2.example"), null), BACKUP1);
        assertEquals(ErrorReason.unauthorized, ((ReservationDenied) answer()).error().reason());
    }

    @Test
    void anAgentSpeaksOnlyForItsOwnHostAndNotForALibraryAnotherLiveAgentServes() {
        // agent-h2 forges a status claiming to be h1
        pipe(status, "lib1", Fixtures.status("lib1", 2, 10, List.of()), AGENT_H2);
        assertTrue(reason(statusDlq.readRecord()).contains("may not speak for host 'h1'"));
        // agent-h2, as itself, claims lib1 while h1 still heartbeats
        LibraryStatus asH2 = new LibraryStatus("lib1", "h2", "vtape", "t", true, List.of(), List.of(), 3, 5000);
        pipe(status, "lib1", asH2, AGENT_H2);
        assertTrue(reason(statusDlq.readRecord()).contains("served by host 'h1'"));
        // the forged statuses changed nothing: lib1's drives are still granted
        pipe(requests, "lib1", ReserveRequest.bySlot("lib1", JOB, 1), BACKUP1);
        assertInstanceOf(ReservationGranted.class, answer());
        // once h1 has gone quiet, the library may move to h2 (decisions take their time from the records)
        recordTime = T0.plusSeconds(20);
        pipe(status, "lib1", new LibraryStatus("lib1", "h2", "vtape", "t", true, List.of(), List.of(), 4, 5000), AGENT_H2);
        assertTrue(statusDlq.isEmpty());
    }

    @Test
    void onlyTheServiceRelaysStatusesOrPublishesTicks() {
        TestOutputTopic<String, byte[]> requestsDlq = driver.createOutputTopic(Topics.dlq(Topics.RESERVATION_REQUESTS),
                Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
        // a status put on the requests topic by its own agent, naming itself relayed from the status topic
        byte[] value = codec.encode(Envelope.of("test", null, Fixtures.status("lib1", 9, 10, List.of())));
        RecordHeaders h = new RecordHeaders();
        MessageSignature.sign(h, value, AGENT_H1.name(), AGENT_H1.secret());
        h.add(RelayedRecords.FROM_HEADER, Topics.DEVICE_STATUS.getBytes(StandardCharsets.UTF_8));
        requests.pipeInput(new TestRecord<>("lib1", value, h, recordTime));
        assertTrue(reason(requestsDlq.readRecord()).contains("this service did not relay it"));
        // a tick from anyone else would expire other owners' leases
        pipe(requests, "lib1", new io.drivebus.schemas.reservation.Tick("lib1"), BACKUP1);
        assertTrue(reason(requestsDlq.readRecord()).contains("a tick not published by this service"));
        assertTrue(statusDlq.isEmpty());
    }

    @Test
    void theServiceSignsWhatItForwardsSoTheNextLibraryAcceptsIt() {
        pipe(status, "lib2", new LibraryStatus("lib2", "h1", "vtape", "t", true, List.of(Fixtures.empty("e0")),
                Fixtures.status("lib2", 1, 10, List.of()).slots(), 1, 5000), AGENT_H1);
        pipe(requests, "lib1", ReserveRequest.bySlot("lib1", JOB, 1), BACKUP1);
        pipe(requests, "lib1", ReserveRequest.bySlot("lib1", JOB, 2), BACKUP1);
        events.readRecordsToList();
        Envelope<ReserveRequest> r = pipe(requests, "lib1", new ReserveRequest("lib1", JOB, null, 3, null, null, null, null, null, null, null,
                List.of("lib2"), null, null, null), BACKUP1);
        TestRecord<String, byte[]> a = events.readRecord();
        assertEquals("lib2", a.key());
        assertEquals(r.id(), codec.decode(a.value()).correlationId());
        assertInstanceOf(ReservationGranted.class, codec.decode(a.value()).payload());
        assertTrue(requestsDlq.isEmpty());
    }

    private static String reason(TestRecord<String, byte[]> r) {
        return new String(r.headers().lastHeader(Topics.DLQ_REASON_HEADER).value(), StandardCharsets.UTF_8);
    }
}
