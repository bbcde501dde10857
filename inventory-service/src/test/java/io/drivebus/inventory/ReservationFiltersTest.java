package io.drivebus.inventory;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /api/reservations by library, active, pending (waiting requests), owner, site and job, on the real broker and PostgreSQL. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class ReservationFiltersTest {

    static Bus bus;

    @BeforeAll
    static void open() {
        bus = new Bus();
    }

    @AfterAll
    static void close() {
        bus.close();
    }

    static ReservationGranted grant(String lib, String rid, Owner owner, String job, String drive) {
        return new ReservationGranted(lib, rid, owner, job, drive, "h", "/dev/" + drive, 1, "V-" + rid, 1, HistoryTest.LEASE, false);
    }

    @Test
    void filtersCombineAndPendingListsTheWaitingRequests() {
        String lib = InventoryProjectionTest.newLibrary();
        String tag = UUID.randomUUID().toString().substring(0, 6);
        String siteA = "site-a-" + tag, siteB = "site-b-" + tag, job = "full-" + tag;
        Owner alice = new Owner("alice-" + tag, siteA), bob = new Owner("bob-" + tag, siteB);
        String ra = "ra-" + tag, rb = "rb-" + tag, rc = "rc-" + tag;
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", "req-" + ra, grant(lib, ra, alice, job, "d0")));
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", "req-" + rb, grant(lib, rb, bob, job, "d1")));
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", "req-" + rc, grant(lib, rc, alice, "incr-" + tag, "d2")));
        bus.publish(Topics.RESERVATION_EVENTS, new ReservationReleased(lib, rc, alice, "d2", 1));
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("client", "w1-" + tag, new ReservationQueued(lib, bob, 1)));
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("client", "w2-" + tag, new ReservationQueued(lib, alice, 2)));
        // the first waiter is granted later: it no longer waits
        Envelope<?> last = bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", "w1-" + tag, grant(lib, "rw-" + tag, bob, job, "d3")));
        await().atMost(Duration.ofSeconds(30)).until(() -> Bus.processed(last.id()));

        given().queryParam("job", job).get("/api/reservations").then().statusCode(200)
                .body("id", containsInAnyOrder(ra, rb, "rw-" + tag));
        given().queryParam("site", siteA).get("/api/reservations").then().statusCode(200).body("id", containsInAnyOrder(ra, rc));
        given().queryParam("site", siteA).queryParam("job", job).get("/api/reservations").then().statusCode(200).body("id", contains(ra));
        given().queryParam("site", siteA).queryParam("active", false).get("/api/reservations").then().statusCode(200)
                .body("id", contains(rc)).body("[0].state", is("released"));
        given().queryParam("owner", bob.key()).queryParam("library", lib).queryParam("active", true).get("/api/reservations").then()
                .statusCode(200).body("id", containsInAnyOrder(rb, "rw-" + tag));
        given().queryParam("owner", bob.key() + "@elsewhere").get("/api/reservations").then().statusCode(200).body("$", empty());

        // waiting requests: only the one still in the queue
        given().queryParam("library", lib).queryParam("pending", true).get("/api/reservations").then().statusCode(200)
                .body("id", contains("w2-" + tag)).body("[0].state", is("queued")).body("[0].position", is(2))
                .body("[0].owner.key", is(alice.key())).body("[0].active", is(false)).body("[0].correlationId", is("w2-" + tag));
        given().queryParam("site", siteA).queryParam("pending", true).get("/api/reservations").then().statusCode(200)
                .body("id", contains("w2-" + tag));
        given().queryParam("site", siteB).queryParam("pending", true).get("/api/reservations").then().statusCode(200).body("$", empty());
        given().queryParam("job", job).queryParam("pending", true).get("/api/reservations").then().statusCode(200).body("$", empty());
        given().queryParam("pending", true).queryParam("active", true).get("/api/reservations").then().statusCode(400)
                .contentType("application/problem+json");
        // a reservation by id, active or ended
        given().get("/api/reservations/{id}", rc).then().statusCode(200).body("state", is("released")).body("job", is("incr-" + tag));
    }
}
