package io.drivebus.inventory;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.LeaseRenewed;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The projection end to end: messages go onto the real broker exactly as the agent and the reservation-service
 * send them, and the inventory is read back over REST from the real PostgreSQL it was projected into.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class InventoryProjectionTest {

    static final Owner OWNER = new Owner("job-1", "backup1.example");
    static final Instant LEASE = Instant.parse("2030-01-01T00:00:00Z");
    static final Instant RENEWED = Instant.parse("2030-01-01T01:00:00Z");

    static Bus bus;

    @BeforeAll
    static void open() {
        bus = new Bus();
    }

    @AfterAll
    static void close() {
        bus.close();
    }

    static String newLibrary() {
        return "lib-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static List<SlotStatus> fullSlots(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> new SlotStatus(i, SlotState.FULL, "VOL00" + i, "VOL00" + i + "L8", false))
                .toList();
    }

    static LibraryStatus status(String lib, long sequence, String vendor, List<DriveStatus> drives, List<SlotStatus> slots) {
        return new LibraryStatus(lib, "host1", "vtape", vendor, true, drives, slots, sequence, 5000);
    }

    static DriveStatus emptyDrive() {
        return new DriveStatus("d0", "/dev/nst0", DriveState.empty, "LTO-8", null, null, null, null, 0);
    }

    static ReservationGranted granted(String lib, String rid) {
        return new ReservationGranted(lib, rid, OWNER, "nightly", "d0", "host1", "/dev/nst0", 3, "VOL003", 1, LEASE, true);
    }

    static void awaitInventory(String lib, java.util.function.Consumer<io.restassured.response.ValidatableResponse> check) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                check.accept(given().get("/api/libraries/{id}/inventory", lib).then().statusCode(200)));
    }

    @Test
    void slotIsReservedWhileHeldAndTheDriveShowsTheLoadedVolumeUntilRelease() {
        String lib = newLibrary();
        String rid = "r-" + UUID.randomUUID();
        bus.publish(Topics.DEVICE_STATUS, status(lib, 1, "drivebus vtape", List.of(emptyDrive()), fullSlots(5)));
        awaitInventory(lib, r -> r.body("slots.size()", is(5)).body("drives[0].state", is("empty"))
                .body("slots[2].reserved", is(false)).body("host", is("host1")));

        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("reservation-service", "req-" + rid, granted(lib, rid)));
        awaitInventory(lib, r -> r.body("slots[2].slot", is(3)).body("slots[2].reserved", is(true))
                .body("slots[2].reservationId", is(rid)).body("slots[2].holder.key", is("job-1"))
                .body("slots[2].holder.site", is("backup1.example")).body("slots[2].state", is("FULL"))
                .body("drives[0].reservation.id", is(rid)).body("drives[0].reservation.state", is("granted"))
                .body("drives[0].reservation.token", is(1)).body("drives[0].reservation.job", is("nightly")));

        bus.publish(Topics.DEVICE_EVENTS, new DeviceCommandResult(lib, "c-1", "host1", "d0", DeviceAction.load, 1,
                CommandOutcome.done, null, 3, "VOL003", "VOL003L8", rid));
        // after the load the slot is EMPTY but still reserved: the volume is out in the reserved drive
        awaitInventory(lib, r -> r.body("drives[0].state", is("loaded")).body("drives[0].label", is("VOL003"))
                .body("drives[0].sourceSlot", is(3)).body("drives[0].highestToken", is(1))
                .body("slots[2].state", is("EMPTY")).body("slots[2].label", nullValue()).body("slots[2].reserved", is(true)));

        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("reservation-service", "req-" + rid,
                new ReservationReady(lib, rid, OWNER, "d0", "/dev/nst0", 3, "VOL003", "VOL003L8", 1, LEASE)));
        awaitInventory(lib, r -> r.body("drives[0].reservation.state", is("ready")));

        // a late grant (redelivered under a new envelope id) must not take the reservation back to granted;
        // the renewal after it on the same partition tells when it has been applied
        bus.publish(Topics.RESERVATION_EVENTS, granted(lib, rid));
        bus.publish(Topics.RESERVATION_EVENTS, new LeaseRenewed(lib, rid, OWNER, RENEWED));
        awaitInventory(lib, r -> r.body("drives[0].reservation.leaseExpiresAt", is(RENEWED.toString()))
                .body("drives[0].reservation.state", is("ready")));

        bus.publish(Topics.RESERVATION_EVENTS, new ReservationReleased(lib, rid, OWNER, "d0", 1));
        // released: the slot is free; the volume stays in the drive (Amanda-like) with no holder
        awaitInventory(lib, r -> r.body("slots[2].reserved", is(false)).body("slots[2].reservationId", nullValue())
                .body("slots[2].holder", nullValue()).body("drives[0].reservation", nullValue())
                .body("drives[0].state", is("loaded")).body("drives[0].label", is("VOL003")));

        given().get("/api/reservations/{id}", rid).then().statusCode(200)
                .body("state", is("released")).body("active", is(false)).body("owner.key", is("job-1"))
                .body("drive", is("d0")).body("slot", is(3)).body("label", is("VOL003")).body("token", is(1))
                .body("devicePath", is("/dev/nst0")).body("correlationId", is("req-" + rid))
                .body("leaseExpiresAt", is(RENEWED.toString()));
        given().queryParam("library", lib).queryParam("active", true).get("/api/reservations").then().statusCode(200)
                .body("$", empty());
        given().queryParam("library", lib).queryParam("owner", "job-1@backup1.example").get("/api/reservations").then()
                .statusCode(200).body("id", contains(rid));
        given().queryParam("library", lib).queryParam("owner", "someone-else").get("/api/reservations").then()
                .statusCode(200).body("$", empty());
        given().get("/api/volumes/{label}", "VOL003").then().statusCode(200)
                .body("locations.find { it.library == '" + lib + "' }.where", is("drive"))
                .body("locations.find { it.library == '" + lib + "' }.drive", is("d0"))
                .body("locations.find { it.library == '" + lib + "' }.slot", is(3));
        given().get("/api/libraries").then().statusCode(200).body("library", hasItem(lib));
        given().get("/api/libraries/{id}/history", lib).then().statusCode(200)
                .body("type", contains("released", "renewed", "granted", "ready", "device-result", "granted"));
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("drivebus_inventory_projection_lag_seconds_count{topic=\"drivebus.reservation.events\""));
    }

    @Test
    void aTombstoneOnTheStatusTopicRemovesTheLibrary() {
        String lib = newLibrary();
        bus.publish(Topics.DEVICE_STATUS, status(lib, 1, "v", List.of(emptyDrive()), fullSlots(2)));
        awaitInventory(lib, r -> r.body("slots.size()", is(2)));
        bus.send(Topics.DEVICE_STATUS, lib, null);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/libraries/{id}/inventory", lib).then().statusCode(404));
        assertEquals(0, Bus.sqlLong("SELECT count(*) FROM slot WHERE library_id = ?", lib));
    }

    @Test
    void aDuplicateEventIdIsAppliedOnceAndEndedReservationsStayEnded() {
        String lib = newLibrary();
        String rid = "r-" + UUID.randomUUID();
        Envelope<ReservationGranted> grant = Envelope.of("reservation-service", "req-" + rid, granted(lib, rid));
        bus.publish(Topics.RESERVATION_EVENTS, grant);
        bus.publish(Topics.RESERVATION_EVENTS, grant);
        bus.publish(Topics.RESERVATION_EVENTS, new ReservationReleased(lib, rid, OWNER, "d0", 1));
        // a ready that shows up after the release (e.g. redelivered) must not revive the reservation
        Envelope<?> lateReady = bus.publish(Topics.RESERVATION_EVENTS,
                new ReservationReady(lib, rid, OWNER, "d0", "/dev/nst0", 3, "VOL003", "VOL003L8", 1, LEASE));
        await().atMost(Duration.ofSeconds(30)).until(() -> Bus.processed(lateReady.id()));

        assertEquals(1, Bus.sqlLong("SELECT count(*) FROM event_history WHERE event_id = ?", grant.id()));
        given().get("/api/libraries/{id}/history", lib).then().statusCode(200).body("type", contains("ready", "released", "granted"));
        given().get("/api/reservations/{id}", rid).then().statusCode(200).body("state", is("released"))
                .body("endReason", is("released by job-1@backup1.example"));
    }

    @Test
    void aFailedLoadACancelledGrantAndASetEndOrReadyTheirReservations() {
        String lib = newLibrary();
        // a failed load: the reserve request (whose id names the reservation) is answered denied
        String failed = "r-" + UUID.randomUUID();
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("reservation-service", failed, granted(lib, failed)));
        Envelope<?> denied = bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("reservation-service", failed,
                new io.drivebus.schemas.reservation.ReservationDenied(lib, failed, OWNER,
                        io.drivebus.schemas.DrivebusError.failed(io.drivebus.schemas.ErrorReason.device, "robot jammed"))));
        // a grant cancelled while loading
        String cancelled = "r-" + UUID.randomUUID();
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("reservation-service", cancelled, granted(lib, cancelled)));
        Envelope<?> cancel = bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("reservation-service", cancelled,
                new io.drivebus.schemas.reservation.ReservationCancelled(lib, OWNER)));
        // a two-device set, ready as a whole
        String set = "s-" + UUID.randomUUID();
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("reservation-service", set, granted(lib, set + "/0")));
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("reservation-service", set, granted(lib, set + "/1")));
        Envelope<?> ready = bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("reservation-service", set,
                new io.drivebus.schemas.reservation.ReservationSetReady(lib, set, OWNER, List.of(
                        new io.drivebus.schemas.reservation.SetMember(set + "/0", "d0", "/dev/nst0", 3, "VOL003", 4, null),
                        new io.drivebus.schemas.reservation.SetMember(set + "/1", "d1", "/dev/nst1", 4, "VOL004", 2, null)), LEASE)));
        await().atMost(Duration.ofSeconds(30)).until(() -> Bus.processed(denied.id()) && Bus.processed(cancel.id()) && Bus.processed(ready.id()));

        given().get("/api/reservations/{id}", failed).then().statusCode(200).body("state", is("denied"))
                .body("endReason", is("load failed: robot jammed"));
        given().get("/api/reservations/{id}", cancelled).then().statusCode(200).body("state", is("cancelled"));
        given().get("/api/reservations/{id}", set + "/0").then().statusCode(200).body("state", is("ready"));
        given().get("/api/reservations/{id}", set + "/1").then().statusCode(200).body("state", is("ready"));
    }

    @Test
    void aLibraryWhoseAgentStopsHeartbeatingIsShownOffline() {
        String lib = newLibrary();
        // an agent that heartbeats every 200 ms and then falls silent
        bus.publish(Topics.DEVICE_STATUS, new io.drivebus.schemas.device.LibraryStatus(lib, "host1", "vtape", "v", true,
                List.of(emptyDrive()), fullSlots(2), 1, 200));
        awaitInventory(lib, r -> r.body("statusSequence", is(1)));
        awaitInventory(lib, r -> r.body("agentOnline", is(false)));
        given().get("/api/libraries").then().statusCode(200).body("find { it.library == '" + lib + "' }.agentOnline", is(false));
        // it comes back with its next status
        bus.publish(Topics.DEVICE_STATUS, new io.drivebus.schemas.device.LibraryStatus(lib, "host1", "vtape", "v", true,
                List.of(emptyDrive()), fullSlots(2), 2, 60_000));
        awaitInventory(lib, r -> r.body("agentOnline", is(true)));
    }

    @Test
    void aStatusWithAnOlderSequenceIsIgnored() {
        String lib = newLibrary();
        bus.publish(Topics.DEVICE_STATUS, status(lib, 5, "v5", List.of(emptyDrive()), fullSlots(3)));
        awaitInventory(lib, r -> r.body("statusSequence", is(5)));

        List<SlotStatus> emptied = List.of(new SlotStatus(1, SlotState.EMPTY, null, null, false));
        Envelope<?> stale = bus.publish(Topics.DEVICE_STATUS, status(lib, 4, "v4", List.of(), emptied));
        await().atMost(Duration.ofSeconds(30)).until(() -> Bus.processed(stale.id()));
        given().get("/api/libraries/{id}/inventory", lib).then().statusCode(200)
                .body("statusSequence", is(5)).body("vendor", is("v5")).body("drives.size()", is(1))
                .body("slots.size()", is(3)).body("slots[0].state", is("FULL")).body("slots[0].label", is("VOL001"));

        // a newer one replaces everything: slots and drives it no longer lists are gone
        bus.publish(Topics.DEVICE_STATUS, status(lib, 6, "v6", List.of(), emptied));
        awaitInventory(lib, r -> r.body("statusSequence", is(6)).body("vendor", is("v6")).body("drives", empty())
                .body("slots.size()", is(1)).body("slots[0].state", is("EMPTY")));
    }

    @Test
    void undecodableAndMisplacedRecordsGoToTheDeadLetterTopicAndTheNextRecordIsProjected() {
        String lib = newLibrary();
        byte[] garbage = "\u0000\u0001 not a drivebus message".getBytes(StandardCharsets.UTF_8);
        byte[] wrongType = MessageCodec.get().encode(Envelope.of("test", null, granted(lib, "r-x")));
        byte[] wrongKey = MessageCodec.get().encode(Envelope.of("test", null,
                status("other-" + lib, 1, "v", List.of(), fullSlots(1))));
        bus.send(Topics.DEVICE_STATUS, lib, garbage);
        bus.send(Topics.DEVICE_STATUS, lib, wrongType);
        bus.send(Topics.DEVICE_STATUS, lib, wrongKey);
        bus.publish(Topics.DEVICE_STATUS, status(lib, 1, "after the bad ones", List.of(emptyDrive()), fullSlots(2)));

        awaitInventory(lib, r -> r.body("vendor", is("after the bad ones")).body("slots.size()", is(2)));
        List<ConsumerRecord<String, byte[]>> dead = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            dead.clear();
            dead.addAll(Bus.deadLetters(Topics.dlq(Topics.DEVICE_STATUS), lib));
            return dead.size() >= 3;
        });
        assertEquals(3, dead.size());
        assertArrayEquals(garbage, dead.get(0).value());
        assertArrayEquals(wrongType, dead.get(1).value());
        assertArrayEquals(wrongKey, dead.get(2).value());
        assertTrue(Bus.header(dead.get(0), Topics.DLQ_REASON_HEADER).startsWith("not JSON"),
                Bus.header(dead.get(0), Topics.DLQ_REASON_HEADER));
        assertEquals("$.type: 'granted' does not belong here (expected LibraryStatus)",
                Bus.header(dead.get(1), Topics.DLQ_REASON_HEADER));
        assertEquals("record key '" + lib + "' is not the payload's library 'other-" + lib + "'",
                Bus.header(dead.get(2), Topics.DLQ_REASON_HEADER));
        for (ConsumerRecord<String, byte[]> r : dead) {
            assertEquals(Topics.DEVICE_STATUS, Bus.header(r, Topics.DLQ_SOURCE_TOPIC_HEADER));
            assertEquals("drivebus-inventory", Bus.header(r, Topics.DLQ_CONSUMER_HEADER));
        }
        // the misplaced status was not projected under either library
        given().get("/api/libraries/{id}/inventory", "other-" + lib).then().statusCode(404);
    }

    @Test
    void aValidRecordTheDatabaseCannotStoreIsRetriedThenDeadLetteredAndTheNextIsProjected() {
        String lib = newLibrary();
        bus.publish(Topics.DEVICE_STATUS, status(lib, 1, "v", List.of(emptyDrive()), fullSlots(3)));
        awaitInventory(lib, r -> r.body("drives[0].state", is("empty")));
        // valid by the schema, but PostgreSQL text cannot hold a NUL character: it fails on every attempt
        Envelope<DeviceCommandResult> poison = bus.publish(Topics.DEVICE_EVENTS, new DeviceCommandResult(lib, "c-1", "host1",
                "d0", DeviceAction.load, 1, CommandOutcome.done, null, 3, "VOL\u0000", null, null));
        bus.publish(Topics.DEVICE_EVENTS, new DeviceCommandResult(lib, "c-2", "host1", "d0", DeviceAction.load, 2,
                CommandOutcome.done, null, 2, "VOL002", "VOL002L8", null));
        awaitInventory(lib, r -> r.body("drives[0].label", is("VOL002")).body("drives[0].highestToken", is(2)));
        await().atMost(Duration.ofSeconds(30)).until(() -> !Bus.deadLetters(Topics.dlq(Topics.DEVICE_EVENTS), lib).isEmpty());
        List<ConsumerRecord<String, byte[]>> dead = Bus.deadLetters(Topics.dlq(Topics.DEVICE_EVENTS), lib);
        assertEquals(1, dead.size());
        assertArrayEquals(MessageCodec.get().encode(poison), dead.get(0).value());
        assertTrue(Bus.header(dead.get(0), Topics.DLQ_REASON_HEADER).startsWith("projection failed: "),
                Bus.header(dead.get(0), Topics.DLQ_REASON_HEADER));
        assertTrue(!Bus.processed(poison.id()), "a failed record is not marked applied");
    }

    @Test
    void aReservationEventThatIsNotOneGoesToItsOwnDeadLetterTopic() {
        String lib = newLibrary();
        byte[] status = MessageCodec.get().encode(Envelope.of("test", null, status(lib, 1, "v", List.of(), List.of())));
        bus.send(Topics.RESERVATION_EVENTS, lib, status);
        String rid = "r-" + UUID.randomUUID();
        bus.publish(Topics.RESERVATION_EVENTS, granted(lib, rid));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/reservations/{id}", rid).then().statusCode(200).body("state", is("granted")));
        await().atMost(Duration.ofSeconds(30)).until(() -> !Bus.deadLetters(Topics.dlq(Topics.RESERVATION_EVENTS), lib).isEmpty());
        ConsumerRecord<String, byte[]> dead = Bus.deadLetters(Topics.dlq(Topics.RESERVATION_EVENTS), lib).get(0);
        assertEquals("$.type: 'library-status' does not belong here (expected ReservationEvent)",
                Bus.header(dead, Topics.DLQ_REASON_HEADER));
    }
}
