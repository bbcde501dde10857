package io.drivebus.inventory;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ReservationSetReady;
import io.drivebus.schemas.reservation.SetMember;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The history of a drive, a volume and a job: what touched it, newest first, paged, from the real broker and PostgreSQL. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class HistoryTest {

    static final Instant LEASE = Instant.parse("2030-01-01T00:00:00Z");
    static Bus bus;

    @BeforeAll
    static void open() {
        bus = new Bus();
    }

    @AfterAll
    static void close() {
        bus.close();
    }

    @Test
    void aDrivesAVolumesAndAJobsHistoryAreWhatTouchedThemNewestFirst() {
        String lib = InventoryProjectionTest.newLibrary();
        String tag = UUID.randomUUID().toString().substring(0, 6);
        String vol = "H" + tag, other = "O" + tag, job = "nightly-" + tag;
        Owner owner = new Owner("job-h", "site-h");
        String r1 = "r1-" + tag, r2 = "r2-" + tag;
        bus.publish(Topics.DEVICE_STATUS, InventoryProjectionTest.status(lib, 1, "v", List.of(InventoryProjectionTest.emptyDrive()),
                InventoryProjectionTest.fullSlots(4)));
        Envelope<?> granted = bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", "req-" + r1,
                new ReservationGranted(lib, r1, owner, job, "d0", "host1", "/dev/nst0", 2, vol, 1, LEASE, true)));
        // the load result travels on another topic, read by another consumer: wait for the grant before it and for it
        // after, so the history's order is the one written here
        await().atMost(Duration.ofSeconds(30)).until(() -> Bus.processed(granted.id()));
        Envelope<?> load = bus.publish(Topics.DEVICE_EVENTS, new DeviceCommandResult(lib, "c-" + tag, "host1", "d0", DeviceAction.load, 1,
                CommandOutcome.done, null, 2, vol, vol + "L8", r1));
        await().atMost(Duration.ofSeconds(30)).until(() -> Bus.processed(load.id()));
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", "req-" + r1,
                new ReservationReady(lib, r1, owner, "d0", "/dev/nst0", 2, vol, vol + "L8", 1, LEASE)));
        // released names neither the volume nor the job: the reservation it ends does
        bus.publish(Topics.RESERVATION_EVENTS, new ReservationReleased(lib, r1, owner, "d0", 1));
        // another job on another drive and volume
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", "req-" + r2,
                new ReservationGranted(lib, r2, owner, "other-" + tag, "d1", "host1", "/dev/nst1", 3, other, 1, LEASE, false)));
        // a set touches two drives and two volumes in one event
        String set = "s-" + tag;
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", set, new ReservationGranted(lib, set + "/0", owner, "copy-" + tag, "d2",
                "host1", "/dev/nst2", 1, "S0" + tag, 1, LEASE, true)));
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", set, new ReservationGranted(lib, set + "/1", owner, "copy-" + tag, "d3",
                "host1", "/dev/nst3", 4, "S1" + tag, 1, LEASE, true)));
        Envelope<?> last = bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", set, new ReservationSetReady(lib, set, owner, List.of(
                new SetMember(set + "/0", "d2", "/dev/nst2", 1, "S0" + tag, 1, null),
                new SetMember(set + "/1", "d3", "/dev/nst3", 4, "S1" + tag, 1, null)), LEASE)));
        await().atMost(Duration.ofSeconds(30)).until(() -> Bus.processed(last.id()));

        List<String> r1Story = List.of("released", "ready", "device-result", "granted");
        given().get("/api/libraries/{id}/drives/{drive}/history", lib, "d0").then().statusCode(200)
                .body("type", is(r1Story)).body("library", everyItem(is(lib))).body("drive", everyItem(is("d0")));
        given().get("/api/volumes/{label}/history", vol).then().statusCode(200).body("type", is(r1Story))
                .body("reservationId", everyItem(is(r1)));
        // by barcode too: once the load told it, it names the reservation's earlier entries as well
        given().get("/api/volumes/{label}/history", vol + "L8").then().statusCode(200).body("type", is(r1Story));
        given().get("/api/jobs/{job}/history", job).then().statusCode(200).body("type", is(r1Story));
        given().get("/api/libraries/{id}/drives/{drive}/history", lib, "d1").then().statusCode(200).body("type", contains("granted"))
                .body("reservationId", contains(r2));
        given().get("/api/volumes/{label}/history", other).then().statusCode(200).body("reservationId", contains(r2));
        given().get("/api/libraries/{id}/drives/{drive}/history", lib, "d3").then().statusCode(200)
                .body("type", contains("set-ready", "granted"));
        given().get("/api/volumes/{label}/history", "S1" + tag).then().statusCode(200).body("type", contains("set-ready", "granted"));
        given().get("/api/jobs/{job}/history", "copy-" + tag).then().statusCode(200).body("type", contains("set-ready", "granted", "granted"));
        // a drive of the same name in another library has a history of its own
        given().get("/api/libraries/{id}/drives/{drive}/history", "other-" + lib, "d0").then().statusCode(200).body("$", is(List.of()));

        // paged: 2 + 2, the first page links to the second, the second to nothing
        Response first = given().queryParam("limit", 2).get("/api/libraries/{id}/drives/{drive}/history", lib, "d0");
        first.then().statusCode(200).body("type", contains("released", "ready"));
        String next = PagingTest.next(first);
        assertNotNull(next, "a next link");
        Response second = given().urlEncodingEnabled(false).get(next);
        second.then().statusCode(200).body("type", contains("device-result", "granted"));
        assertEquals(null, PagingTest.next(second));

        // the library's own history, paged the same way, holds every entry once
        List<Long> seqs = new ArrayList<>();
        String url = "/api/libraries/" + lib + "/history?limit=3";
        while (url != null) {
            Response page = given().urlEncodingEnabled(false).get(url);
            page.then().statusCode(200);
            seqs.addAll(page.jsonPath().getList("seq", Long.class));
            url = PagingTest.next(page);
        }
        assertEquals(8, seqs.size(), seqs.toString());
        for (int i = 1; i < seqs.size(); i++) {
            assertTrue(seqs.get(i) < seqs.get(i - 1), "newest first: " + seqs);
        }
    }

    @Test
    void aCommandResultProjectedBeforeItsGrantIsInTheJobsHistoryAllTheSame() {
        String lib = InventoryProjectionTest.newLibrary();
        String tag = UUID.randomUUID().toString().substring(0, 6);
        String rid = "r-" + tag, job = "early-" + tag;
        Owner owner = new Owner("job-e", "site-e");
        // the device-events topic is read ahead of the reservation-events topic
        Envelope<?> load = bus.publish(Topics.DEVICE_EVENTS, new DeviceCommandResult(lib, "c-" + tag, "host1", "d0", DeviceAction.load, 1,
                CommandOutcome.done, null, 2, "E" + tag, null, rid));
        await().atMost(Duration.ofSeconds(30)).until(() -> Bus.processed(load.id()));
        given().get("/api/jobs/{job}/history", job).then().statusCode(200).body("$", is(List.of()));
        Envelope<?> grant = bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", "req-" + rid,
                new ReservationGranted(lib, rid, owner, job, "d0", "host1", "/dev/nst0", 2, "E" + tag, 1, LEASE, true)));
        await().atMost(Duration.ofSeconds(30)).until(() -> Bus.processed(grant.id()));
        given().get("/api/jobs/{job}/history", job).then().statusCode(200).body("type", contains("granted", "device-result"));
    }

    @Test
    void historyOfSomethingNeverSeenIsEmptyAndBadPagingIsAProblem() {
        given().get("/api/jobs/{job}/history", "no-such-job").then().statusCode(200).body("$", is(List.of()));
        given().get("/api/volumes/{label}/history", "NOSUCHVOL").then().statusCode(200).body("$", is(List.of()));
        given().header("Accept", "application/json").get("/api/libraries/{id}/history", "x").then().statusCode(200)
                .header("Link", nullValue());
        for (String path : List.of("/api/jobs/j/history", "/api/volumes/v/history", "/api/libraries/l/drives/d/history",
                "/api/libraries/l/history")) {
            given().queryParam("after", "not-a-cursor").get(path).then().statusCode(400).contentType("application/problem+json");
            given().queryParam("limit", "many").get(path).then().statusCode(400).contentType("application/problem+json");
        }
    }
}
