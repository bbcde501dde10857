package io.drivebus.reservation.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.reservation.core.Fixtures;
import io.drivebus.reservation.streams.ReservationTopology;
import io.drivebus.reservation.streams.TestDrivers;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.auth.HostKeys;
import io.drivebus.schemas.auth.MessageSignature;
import io.drivebus.schemas.device.DeviceCommand;
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

/**
 * Issue 8.3 with one secret per drive host, derived from the service's agent key: each agent speaks for its own host
 * only, and the commands to a host go to that host's topic signed with that host's secret, which no other host has.
 */
class HostPrincipalsTopologyTest {
    static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    static final String AGENT_KEY = "the-agent-master-key";
    static final Owner JOB = new Owner("nightly", "backup1.example");
    static final Principal BACKUP1 = new Principal("backup1", "s1".getBytes(StandardCharsets.UTF_8), Set.of("backup1.example"), Set.of(), Set.of());
    static final Principal SELF = new Principal("reservation-service", "s2".getBytes(StandardCharsets.UTF_8), Set.of("*"), Set.of(), Set.of());
    final MessageCodec codec = MessageCodec.get();

    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> requests;
    TestInputTopic<String, byte[]> status;
    TestOutputTopic<String, byte[]> events;
    TestOutputTopic<String, byte[]> statusDlq;
    TestOutputTopic<String, byte[]> h1Commands;
    TestOutputTopic<String, byte[]> h2Commands;

    @BeforeEach
    void setUp() {
        Security security = new Security(Map.of("backup1", BACKUP1, "reservation-service", SELF), new AccessPolicy(),
                "reservation-service", AGENT_KEY);
        driver = TestDrivers.of(ReservationTopology.build(Duration.ofMillis(250), "test", false, security), T0);
        var s = Serdes.String();
        var b = Serdes.ByteArray();
        requests = driver.createInputTopic(Topics.RESERVATION_REQUESTS, s.serializer(), b.serializer());
        status = driver.createInputTopic(Topics.DEVICE_STATUS, s.serializer(), b.serializer());
        events = driver.createOutputTopic(Topics.RESERVATION_EVENTS, s.deserializer(), b.deserializer());
        statusDlq = driver.createOutputTopic(Topics.dlq(Topics.DEVICE_STATUS), s.deserializer(), b.deserializer());
        h1Commands = driver.createOutputTopic(Topics.deviceCommands("h1"), s.deserializer(), b.deserializer());
        h2Commands = driver.createOutputTopic(Topics.deviceCommands("h2"), s.deserializer(), b.deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    void pipe(TestInputTopic<String, byte[]> topic, String key, Payload payload, String principal, byte[] secret) {
        byte[] value = codec.encode(Envelope.of("test", null, payload));
        RecordHeaders h = new RecordHeaders();
        MessageSignature.sign(h, value, principal, secret);
        topic.pipeInput(new TestRecord<>(key, value, h, T0));
    }

    static byte[] secretOf(String host) {
        return HostKeys.secret(AGENT_KEY, host).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anAgentWithItsHostSecretIsServedAndItsCommandsAreSignedForItAlone() {
        pipe(status, "lib1", Fixtures.status("lib1", 1, 10, List.of(Fixtures.empty("d0"))), "host:h1", secretOf("h1"));
        assertTrue(statusDlq.isEmpty());
        pipe(requests, "lib1", ReserveRequest.bySlot("lib1", JOB, 3), "backup1", BACKUP1.secret());
        assertInstanceOf(ReservationGranted.class, codec.decode(events.readValue()).payload());

        TestRecord<String, byte[]> load = h1Commands.readRecord();
        assertEquals("h1", ((DeviceCommand) codec.decode(load.value()).payload()).host());
        assertTrue(h2Commands.isEmpty(), "another host's topic gets nothing");
        // h1 verifies the command with its own secret; a secret of any other host does not verify it
        assertEquals("reservation-service", MessageSignature.verify(load.headers(), load.value(),
                p -> "reservation-service".equals(p) ? secretOf("h1") : null));
        assertThrows(MessageSignature.SignatureException.class, () -> MessageSignature.verify(load.headers(), load.value(),
                p -> secretOf("h2")));
    }

    @Test
    void aHostSecretSpeaksForItsHostOnly() {
        // h2's agent, with its own secret, claims h1's library
        pipe(status, "lib1", Fixtures.status("lib1", 1, 10, List.of(Fixtures.empty("d0"))), "host:h2", secretOf("h2"));
        assertTrue(reason(statusDlq.readRecord()).contains("may not speak for host 'h1'"));
        // h2 names itself host:h1 but has only its own secret
        pipe(status, "lib1", Fixtures.status("lib1", 1, 10, List.of(Fixtures.empty("d0"))), "host:h1", secretOf("h2"));
        assertTrue(reason(statusDlq.readRecord()).contains("does not match"));
        // nothing was accepted: lib1 is unknown, so a reserve is not granted
        pipe(requests, "lib1", ReserveRequest.bySlot("lib1", JOB, 3), "backup1", BACKUP1.secret());
        assertTrue(!(codec.decode(events.readValue()).payload() instanceof ReservationGranted));
    }

    @Test
    void onlyAValidHostIdNamesADerivedPrincipal() {
        Security security = new Security(Map.of("reservation-service", SELF), new AccessPolicy(), "reservation-service", AGENT_KEY);
        assertEquals(Set.of("h1"), security.principal("host:h1").hosts());
        assertNull(security.principal("host:"));
        assertNull(security.principal("host:a/b"));
        assertNull(security.principal("host:dlq"));
        assertNull(security.principal("agent-h1"), "not configured, not derived");
    }

    @Test
    void withoutAnAgentKeyThereAreNoHostPrincipals() {
        Security configuredOnly = new Security(Map.of("reservation-service", SELF), new AccessPolicy(), "reservation-service");
        assertNull(configuredOnly.principal("host:h1"));
        assertNull(configuredOnly.commandSecretOf("h1"), "no principal speaks for h1: its commands go unsigned");
        Principal agent = new Principal("agent-h1", "s3".getBytes(StandardCharsets.UTF_8), Set.of(), Set.of(), Set.of("h1"));
        Security configured = new Security(Map.of("reservation-service", SELF, "agent-h1", agent), new AccessPolicy(), "reservation-service");
        assertEquals("s3", new String(configured.commandSecretOf("h1"), StandardCharsets.UTF_8));
    }

    private static String reason(TestRecord<String, byte[]> r) {
        return new String(r.headers().lastHeader(Topics.DLQ_REASON_HEADER).value(), StandardCharsets.UTF_8);
    }
}
