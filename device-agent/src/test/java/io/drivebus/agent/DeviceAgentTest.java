package io.drivebus.agent;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.agent.changer.mtx.FakeChanger;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorKind;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.auth.MessageSignature;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.stack.test.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent against a real broker, driven the way the reservation-service drives it: signed commands keyed by host on
 * the host's topic drivebus.device.commands.testhost (which the agent created), results and status read back from their topics. Each test uses its own drives and
 * slots of library "agentlib" (8 slots AGT001..AGT008, drives d0..d3), so the tests do not depend on their order.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(AgentDirsResource.class)
class DeviceAgentTest {

    static final String HOST = "testhost";
    static final String LIB = "agentlib";
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String COMMANDS = Topics.deviceCommands(HOST);
    static final String DLQ = Topics.dlq(COMMANDS);

    static TopicRecorder recorder;
    static KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void clients() {
        String bootstrap = KafkaTestResource.bootstrap();
        recorder = new TopicRecorder(bootstrap, List.of(Topics.DEVICE_EVENTS, Topics.DEVICE_STATUS, DLQ));
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()));
    }

    @AfterAll
    static void close() throws Exception {
        producer.close();
        recorder.close();
    }

    @Test
    void publishesTheLibraryStatusWithStrictlyIncreasingSequence() {
        LibraryStatus s = status(st -> true);
        assertEquals(HOST, s.host());
        assertEquals("vtape", s.driver());
        assertEquals(1000, s.heartbeatIntervalMs());
        assertEquals(List.of("d0", "d1", "d2", "d3"), s.drives().stream().map(DriveStatus::id).toList());
        assertEquals(8, s.slots().size());
        assertEquals("AGT008", s.slots().get(7).label());
        assertEquals(AgentDirsResource.libraryDir().resolve("drives/d3").toAbsolutePath().toString(), s.drives().get(3).devicePath());

        // heartbeats keep coming (interval 1s in the test config), each with a higher sequence
        long first = s.sequence();
        status(st -> st.sequence() >= first + 2);
        long previous = 0;
        for (ConsumerRecord<String, byte[]> r : recorder.all(Topics.DEVICE_STATUS)) {
            if (LIB.equals(r.key())) {
                long seq = ((LibraryStatus) decode(r).payload()).sequence();
                assertTrue(seq > previous, "sequence " + seq + " after " + previous);
                previous = seq;
            }
        }
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void signsWhatItPublishesAsItsPrincipal() {
        var rec = recorder.await(Topics.DEVICE_STATUS, r -> LIB.equals(r.key()), java.time.Duration.ofSeconds(30));
        assertEquals("agent-testhost", io.drivebus.schemas.auth.MessageSignature.verify(rec.headers(), rec.value(),
                n -> n.equals("agent-testhost") ? "agent-testhost-secret".getBytes(java.nio.charset.StandardCharsets.UTF_8) : null));
    }

    @Test
    void loadsUnderItsTokenAndRefusesAnOlderOne() throws Exception {
        Envelope<DeviceCommand> load = command(DeviceCommand.load(LIB, HOST, "d0", 5, 3, "AGT003", "res-1"));
        send(HOST, load);
        DeviceCommandResult done = result(load.id());
        assertEquals(CommandOutcome.done, done.outcome(), () -> String.valueOf(done.error()));
        assertEquals("AGT003", done.label());
        assertEquals("AGT003L8", done.barcode());
        assertEquals(3, done.slot());
        assertEquals(5, done.token());
        assertEquals("d0", done.drive());
        assertEquals("res-1", done.reservationId());
        assertEquals(load.id(), resultRecord(load.id()).correlationId());

        // the status after the load shows it, and the token the drive now runs under
        LibraryStatus s = status(st -> drive(st, "d0").state() == DriveState.loaded);
        DriveStatus d0 = drive(s, "d0");
        assertEquals("AGT003", d0.label());
        assertEquals(3, d0.sourceSlot());
        assertEquals(5, d0.highestToken());
        assertEquals(SlotState.EMPTY, s.slots().get(2).state());
        assertTrue(Files.exists(AgentDirsResource.libraryDir().resolve("drives/d0/volume")));

        // a command from an older grant must not touch the drive
        Envelope<DeviceCommand> stale = command(DeviceCommand.unload(LIB, HOST, "d0", 3, "res-old"));
        send(HOST, stale);
        DeviceCommandResult refused = result(stale.id());
        assertEquals(CommandOutcome.refused, refused.outcome());
        assertEquals(ErrorKind.fatal, refused.error().kind());
        assertEquals(ErrorReason.invalid, refused.error().reason());
        assertTrue(refused.error().message().contains("stale fencing token"), refused.error().message());
        assertTrue(Files.exists(AgentDirsResource.libraryDir().resolve("drives/d0/volume")), "still loaded");

        // the same grant's unload (equal token) runs
        Envelope<DeviceCommand> unload = command(DeviceCommand.unload(LIB, HOST, "d0", 5, "res-1"));
        send(HOST, unload);
        DeviceCommandResult unloaded = result(unload.id());
        assertEquals(CommandOutcome.done, unloaded.outcome());
        assertEquals(3, unloaded.slot());
        assertEquals("AGT003", unloaded.label());
    }

    @Test
    void aRedeliveredCommandIsAnsweredAgainButNotRunAgain() throws Exception {
        Envelope<DeviceCommand> loadA = command(DeviceCommand.load(LIB, HOST, "d1", 1, 4, "AGT004", null));
        Envelope<DeviceCommand> loadB = command(DeviceCommand.load(LIB, HOST, "d1", 1, 5, "AGT005", null));
        send(HOST, loadA);
        send(HOST, loadB);
        assertEquals(CommandOutcome.done, result(loadB.id()).outcome());
        send(HOST, loadA); // redelivered after B: running it again would put AGT004 back into d1
        Envelope<DeviceCommand> marker = command(new DeviceCommand(LIB, HOST, "d1", DeviceAction.read_label, 1, null, null, null, null, null, null));
        send(HOST, marker);
        DeviceCommandResult label = result(marker.id());
        assertEquals(CommandOutcome.done, label.outcome());
        assertEquals("AGT005", label.label(), "d1 still holds B's volume");

        List<ConsumerRecord<String, byte[]>> answers = recorder.all(Topics.DEVICE_EVENTS).stream()
                .filter(r -> ((DeviceCommandResult) decode(r).payload()).commandId().equals(loadA.id())).toList();
        assertEquals(2, answers.size(), "answered twice");
        assertArrayEquals(answers.get(0).value(), answers.get(1).value(), "the stored result, not a new one");
    }

    @Test
    void badRecordsGoToTheDeadLetterTopicAndTheAgentGoesOn() throws Exception {
        byte[] garbage = "not a command {".getBytes(StandardCharsets.UTF_8);
        sendRaw(HOST, garbage, "reservation-service", SECRET);
        Envelope<DeviceCommand> unknownLib = command(DeviceCommand.load("nolib", HOST, "d0", 1, 1, null, null));
        send(HOST, unknownLib);
        // a command for another host on ours (only a misbehaving writer puts one here): refused, not run
        Envelope<DeviceCommand> notOurs = command(DeviceCommand.load(LIB, "otherhost", "d2", 1, 7, null, null));
        send("otherhost", notOurs);
        Envelope<DeviceCommand> valid = command(DeviceCommand.load(LIB, HOST, "d2", 1, 6, "AGT006", null));
        send(HOST, valid);

        assertEquals(CommandOutcome.done, result(valid.id()).outcome());
        // handled in order, so everything before the valid command is already answered
        ConsumerRecord<String, byte[]> dead = recorder.await(DLQ, r -> Arrays.equals(r.value(), garbage), Duration.ZERO);
        assertEquals(HOST, dead.key());
        assertTrue(reason(dead).startsWith("not JSON"), reason(dead));
        assertEquals(COMMANDS, header(dead, Topics.DLQ_SOURCE_TOPIC_HEADER));
        ConsumerRecord<String, byte[]> deadLib = recorder.await(DLQ,
                r -> new String(r.value(), StandardCharsets.UTF_8).contains(unknownLib.id()), Duration.ZERO);
        assertTrue(reason(deadLib).contains("not served"), reason(deadLib));
        DeviceCommandResult refused = result(unknownLib.id());
        assertEquals(CommandOutcome.refused, refused.outcome());
        assertEquals(ErrorReason.notfound, refused.error().reason());

        ConsumerRecord<String, byte[]> deadOther = recorder.await(DLQ, r -> "otherhost".equals(r.key()), Duration.ZERO);
        assertEquals("command keyed 'otherhost' on the topic of host 'testhost'", reason(deadOther));
        assertTrue(recorder.all(Topics.DEVICE_EVENTS).stream().noneMatch(r -> new String(r.value(), StandardCharsets.UTF_8).contains(notOurs.id())));
        assertTrue(Files.readString(AgentDirsResource.libraryDir().resolve("drives/d2/volume")).contains("label=AGT006"));
        assertTrue(Files.exists(AgentDirsResource.libraryDir().resolve("slots/7/volume")), "the other host's load did not run");
    }

    @Test
    void runsOnlyCommandsTheReservationServiceSignedWithThisHostsSecret() throws Exception {
        Envelope<DeviceCommand> unsigned = command(DeviceCommand.load(LIB, HOST, "d3", 1, 8, "AGT008", null));
        sendRaw(HOST, MessageCodec.get().encode(unsigned), null, null);
        // signed with another host's secret (what another host could forge)
        Envelope<DeviceCommand> otherSecret = command(DeviceCommand.load(LIB, HOST, "d3", 1, 8, "AGT008", null));
        sendRaw(HOST, MessageCodec.get().encode(otherSecret), "reservation-service", "agent-otherhost-secret".getBytes(StandardCharsets.UTF_8));
        // the right secret, but not the reservation-service's name
        Envelope<DeviceCommand> otherSigner = command(DeviceCommand.load(LIB, HOST, "d3", 1, 8, "AGT008", null));
        sendRaw(HOST, MessageCodec.get().encode(otherSigner), "host:testhost", SECRET);
        // a signed command that touches no drive (its library is not served here), to know the three before it are decided
        Envelope<DeviceCommand> valid = command(DeviceCommand.load("nolib", HOST, "d3", 1, 8, null, null));
        send(HOST, valid);

        assertEquals(CommandOutcome.refused, result(valid.id()).outcome());
        for (var e : List.of(unsigned, otherSecret, otherSigner)) {
            ConsumerRecord<String, byte[]> dead = recorder.await(DLQ,
                    r -> new String(r.value(), StandardCharsets.UTF_8).contains(e.id()), Duration.ZERO);
            assertTrue(reason(dead).startsWith("unauthenticated command: "), reason(dead));
            assertTrue(recorder.all(Topics.DEVICE_EVENTS).stream().noneMatch(r -> new String(r.value(), StandardCharsets.UTF_8).contains(e.id())));
        }
        assertTrue(Files.exists(AgentDirsResource.libraryDir().resolve("slots/8/volume")), "no forged load ran");
    }

    @Test
    void aWrongLabelFailsAndLeavesTheVolumeInItsSlot() throws Exception {
        Envelope<DeviceCommand> load = command(DeviceCommand.load(LIB, HOST, "d3", 1, 8, "AGT001", null));
        send(HOST, load);
        DeviceCommandResult r = result(load.id());
        assertEquals(CommandOutcome.failed, r.outcome());
        assertEquals(ErrorReason.invalid, r.error().reason());
        assertEquals("AGT008", r.label());
        assertTrue(Files.exists(AgentDirsResource.libraryDir().resolve("slots/8/volume")));
        assertFalse(Files.exists(AgentDirsResource.libraryDir().resolve("drives/d3/volume")));

        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("drivebus_agent_commands_total{action=\"load\",outcome=\"failed\"}"));
    }

    @Test
    void servesSeveralLibrariesEachWithItsDriver() throws Exception {
        LibraryStatus tape = status("tapelib", st -> true);
        assertEquals("mtx", tape.driver());
        assertEquals(HOST, tape.host());
        assertEquals(List.of("t0", "t1"), tape.drives().stream().map(DriveStatus::id).toList());
        assertEquals(6, tape.slots().size());
        assertTrue(tape.slots().get(5).importExport());
        assertEquals("000004L8", tape.slots().get(3).barcode());
        assertEquals(AgentDirsResource.tapelib.device(0).toString(), tape.drives().get(0).devicePath());

        LibraryStatus fixed = status("fixed", st -> true);
        assertEquals("file", fixed.driver());
        assertEquals(DriveState.loaded, drive(fixed, "f1").state());
        assertEquals("FIX001", drive(fixed, "f1").label());
        assertEquals(DriveState.empty, drive(fixed, "f2").state());

        // commands reach each library's own driver
        Envelope<DeviceCommand> load = command(DeviceCommand.load("tapelib", HOST, "t0", 3, 1, "TAPE01", "res-t"));
        send(HOST, load);
        DeviceCommandResult loaded = result(load.id());
        assertEquals(CommandOutcome.done, loaded.outcome(), () -> String.valueOf(loaded.error()));
        assertEquals("000001L8", loaded.barcode());
        assertEquals("000001L8", AgentDirsResource.tapelib.driveTape(0));
        LibraryStatus after = status("tapelib", st -> drive(st, "t0").state() == DriveState.loaded);
        assertEquals("TAPE01", drive(after, "t0").label());
        assertEquals(3, drive(after, "t0").highestToken());

        Envelope<DeviceCommand> read = command(new DeviceCommand("fixed", HOST, "f1", DeviceAction.read_label, 1, null, null, null, null, null, null));
        send(HOST, read);
        assertEquals("FIX001", result(read.id()).label());
    }

    @Test
    void motionsACrashInterruptedAreResolvedAtStart() {
        DeviceCommandResult done = result(AgentDirsResource.interruptedDone.id());
        assertEquals(CommandOutcome.done, done.outcome(), () -> String.valueOf(done.error()));
        assertEquals("TAPE02", done.label());
        assertEquals("res-crash-1", done.reservationId());
        DeviceCommandResult failed = result(AgentDirsResource.interruptedFailed.id());
        assertEquals(CommandOutcome.failed, failed.outcome());
        assertEquals(ErrorReason.device, failed.error().reason());
        assertTrue(failed.error().message().startsWith("interrupted by agent restart"), failed.error().message());
        // the status published at start shows the true state: the finished load in t1, slot 3 still full
        LibraryStatus s = status("tapelib", st -> true);
        assertEquals("000002L8", drive(s, "t1").barcode());
        assertEquals(2, drive(s, "t1").sourceSlot());
        assertEquals(SlotState.FULL, s.slots().get(2).state());
    }

    @Test
    void aMovingDriveIsBusyAndAFailedMotionLeavesItInError() throws Exception {
        FakeChanger fake = AgentDirsResource.tapelib;
        // t1 holds slot 2's tape since the start (see AgentDirsResource); a slow unload keeps the robot busy
        fake.set("motion_seconds", 2.5);
        Envelope<DeviceCommand> unload = command(DeviceCommand.unload("tapelib", HOST, "t1", 10, "res-u"));
        send(HOST, unload);
        status("tapelib", st -> drive(st, "t1").state() == DriveState.busy);
        long busyBeats = 0;
        DeviceCommandResult unloaded = result(unload.id());
        fake.set("motion_seconds", 0);
        assertEquals(CommandOutcome.done, unloaded.outcome(), () -> String.valueOf(unloaded.error()));
        for (ConsumerRecord<String, byte[]> r : recorder.all(Topics.DEVICE_STATUS)) {
            if ("tapelib".equals(r.key()) && drive((LibraryStatus) decode(r).payload(), "t1").state() == DriveState.busy) {
                busyBeats++;
            }
        }
        assertTrue(busyBeats >= 2, "heartbeats went on during the motion: " + busyBeats);

        // the drive is empty now: mtx refuses, and the drive shows mtx's message until a scan
        Envelope<DeviceCommand> bad = command(new DeviceCommand("tapelib", HOST, "t1", DeviceAction.unload, 10, null, 5, null, null, null, null));
        send(HOST, bad);
        DeviceCommandResult failed = result(bad.id());
        assertEquals(CommandOutcome.failed, failed.outcome());
        assertTrue(failed.error().message().contains("Data Transfer Element 1 is Empty"), failed.error().message());
        LibraryStatus inError = status("tapelib", st -> drive(st, "t1").state() == DriveState.error);
        assertTrue(drive(inError, "t1").error().contains("Data Transfer Element 1 is Empty"), drive(inError, "t1").error());

        Envelope<DeviceCommand> scan = command(new DeviceCommand("tapelib", HOST, null, DeviceAction.scan, 0, null, null, null, null, null, null));
        send(HOST, scan);
        assertEquals(CommandOutcome.done, result(scan.id()).outcome());
        long seq = inError.sequence();
        LibraryStatus cleared = status("tapelib", st -> st.sequence() > seq && drive(st, "t1").state() == DriveState.empty);
        assertEquals(null, drive(cleared, "t1").error());
    }

    // --- helpers

    static Envelope<DeviceCommand> command(DeviceCommand c) {
        return Envelope.of("reservation-service-test", null, c);
    }

    /** The agent's own secret (test application.properties): the reservation-service signs this host's commands with it. */
    static final byte[] SECRET = "agent-testhost-secret".getBytes(StandardCharsets.UTF_8);

    static void send(String key, Envelope<?> e) throws Exception {
        sendRaw(key, MessageCodec.get().encode(e), "reservation-service", SECRET);
    }

    /** To this host's command topic, signed as {@code signer} with {@code secret} (unsigned when signer is null). */
    static void sendRaw(String key, byte[] value, String signer, byte[] secret) throws Exception {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(COMMANDS, key, value);
        if (signer != null) {
            MessageSignature.sign(r.headers(), value, signer, secret);
        }
        producer.send(r).get();
    }

    static Envelope<? extends Payload> decode(ConsumerRecord<String, byte[]> r) {
        return MessageCodec.get().decode(r.value());
    }

    static Envelope<? extends Payload> resultRecord(String commandId) {
        return decode(recorder.await(Topics.DEVICE_EVENTS,
                r -> decode(r).payload() instanceof DeviceCommandResult res && res.commandId().equals(commandId), WAIT));
    }

    static DeviceCommandResult result(String commandId) {
        return (DeviceCommandResult) resultRecord(commandId).payload();
    }

    static LibraryStatus status(Predicate<LibraryStatus> match) {
        return status(LIB, match);
    }

    static LibraryStatus status(String library, Predicate<LibraryStatus> match) {
        ConsumerRecord<String, byte[]> r = recorder.await(Topics.DEVICE_STATUS,
                rec -> library.equals(rec.key()) && match.test((LibraryStatus) decode(rec).payload()), WAIT);
        return (LibraryStatus) decode(r).payload();
    }

    static DriveStatus drive(LibraryStatus s, String id) {
        return s.drives().stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
    }

    static String reason(ConsumerRecord<String, byte[]> r) {
        return header(r, Topics.DLQ_REASON_HEADER);
    }

    static String header(ConsumerRecord<String, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        assertNotNull(h, "header " + name);
        return new String(h.value(), StandardCharsets.UTF_8);
    }

}
