package io.drivebus.inventory;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.RecordedLabel;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Amanda's current slot and info, and labels recorded with {@code update N=LABEL}, as the reservation-service's changer
 * results tell them, projected from the real broker into the real PostgreSQL and read back over REST.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class ChangerResultTest {

    static final Owner OPERATOR = new Owner("alice", "ops");
    static Bus bus;

    @BeforeAll
    static void open() {
        bus = new Bus();
    }

    @AfterAll
    static void close() {
        bus.close();
    }

    /** Slots 1–5 with labels unique to this library, so other tests' volumes do not show up in the lookups. */
    static List<SlotStatus> slots(String tag) {
        return IntStream.rangeClosed(1, 5).mapToObj(i -> new SlotStatus(i, SlotState.FULL, tag + "-" + i, null, false)).toList();
    }

    static Envelope<ChangerResult> result(Instant at, ChangerResult r) {
        return Envelope.of(UUID.randomUUID().toString(), at, "reservation-service", "req-" + UUID.randomUUID(), r);
    }

    static ChangerResult update(String lib, int current, List<Integer> slots, List<RecordedLabel> recorded) {
        return new ChangerResult(lib, OPERATOR, ChangerOp.update, current, 5, "changer's vendor", false, slots, null, recorded);
    }

    @Test
    void theCurrentSlotInfoAndRecordedLabelsShowInTheInventoryAndVolumeLookupUntilARescan() {
        String lib = InventoryProjectionTest.newLibrary();
        String tag = "T" + UUID.randomUUID().toString().substring(0, 6);
        String recorded = tag + "-OP";
        Instant t0 = Instant.now();
        bus.publish(Topics.DEVICE_STATUS, InventoryProjectionTest.status(lib, 1, "status vendor", List.of(InventoryProjectionTest.emptyDrive()),
                slots(tag)));
        InventoryProjectionTest.awaitInventory(lib, r -> r.body("slots.size()", is(5)));

        // update 3=LABEL: the operator's label for slot 3, current slot 2
        bus.publish(Topics.RESERVATION_EVENTS, result(t0.plusSeconds(1), update(lib, 2, List.of(3), List.of(new RecordedLabel(3, recorded)))));
        InventoryProjectionTest.awaitInventory(lib, r -> r.body("currentSlot", is(2)).body("numSlots", is(5))
                // the status says what the library is; the changer's vendor does not overwrite it
                .body("vendor", is("status vendor")).body("fastSearch", is(true))
                .body("slots.find { it.current }.slot", is(2)).body("slots.findAll { it.current }.size()", is(1))
                .body("slots[2].label", is(recorded)).body("slots[2].labelSource", is("operator"))
                .body("slots[0].label", is(tag + "-1")).body("slots[0].labelSource", is("agent")));
        given().get("/api/volumes/{label}", recorded).then().statusCode(200)
                .body("locations.size()", is(1)).body("locations[0].library", is(lib)).body("locations[0].where", is("slot"))
                .body("locations[0].slot", is(3)).body("locations[0].labelSource", is("operator"));
        // the agent's label of slot 3 is not the volume's name there any more
        given().get("/api/volumes/{label}", tag + "-3").then().statusCode(404);
        given().get("/api/libraries").then().statusCode(200)
                .body("find { it.library == '" + lib + "' }.currentSlot", is(2)).body("find { it.library == '" + lib + "' }.numSlots", is(5));
        given().get("/api/volumes/{label}/history", recorded).then().statusCode(200).body("type", contains("changer-result"));

        // a late, older result (e.g. replayed) changes nothing
        Envelope<?> late = bus.publish(Topics.RESERVATION_EVENTS, result(t0, update(lib, 4, List.of(3), List.of())));
        await().atMost(Duration.ofSeconds(30)).until(() -> Bus.processed(late.id()));
        given().get("/api/libraries/{id}/inventory", lib).then().statusCode(200).body("currentSlot", is(2))
                .body("slots[2].label", is(recorded));

        // update 1= : the operator forgot slot 1's label; a result from before recorded labels were sent (null) keeps them
        bus.publish(Topics.RESERVATION_EVENTS, result(t0.plusSeconds(2), update(lib, 1, List.of(1),
                List.of(new RecordedLabel(1, ""), new RecordedLabel(3, recorded)))));
        bus.publish(Topics.RESERVATION_EVENTS, result(t0.plusSeconds(3), new ChangerResult(lib, OPERATOR, ChangerOp.reset, 1, 5, "x",
                false, List.of(), null)));
        InventoryProjectionTest.awaitInventory(lib, r -> r.body("slots[0].label", nullValue()).body("slots[0].labelSource", is("operator"))
                .body("slots[0].current", is(true)).body("slots[2].label", is(recorded)));
        // an agent status does not bring a forgotten or overwritten label back
        bus.publish(Topics.DEVICE_STATUS, InventoryProjectionTest.status(lib, 2, "status vendor", List.of(InventoryProjectionTest.emptyDrive()),
                slots(tag)));
        InventoryProjectionTest.awaitInventory(lib, r -> r.body("statusSequence", is(2)).body("slots[0].label", nullValue())
                .body("slots[2].label", is(recorded)));

        // a rescan of slot 3 drops it from the list: the agent's label again
        bus.publish(Topics.RESERVATION_EVENTS, result(t0.plusSeconds(4), update(lib, 1, List.of(3), List.of(new RecordedLabel(1, "")))));
        InventoryProjectionTest.awaitInventory(lib, r -> r.body("slots[2].label", is(tag + "-3")).body("slots[2].labelSource", is("agent"))
                .body("slots[0].label", nullValue()));
        given().get("/api/volumes/{label}", recorded).then().statusCode(404);
        given().get("/api/volumes/{label}", tag + "-3").then().statusCode(200).body("locations.library", hasItem(lib));
    }

    @Test
    void aChangerResultBeforeTheLibrarysFirstStatusFillsInItsInfoUntilTheStatusComes() {
        String lib = InventoryProjectionTest.newLibrary();
        bus.publish(Topics.RESERVATION_EVENTS, result(Instant.now(), update(lib, 3, List.of(), List.of())));
        InventoryProjectionTest.awaitInventory(lib, r -> r.body("vendor", is("changer's vendor")).body("fastSearch", is(false))
                .body("currentSlot", is(3)).body("numSlots", is(5)));
        bus.publish(Topics.DEVICE_STATUS, InventoryProjectionTest.status(lib, 1, "status vendor", List.of(), slots("X")));
        InventoryProjectionTest.awaitInventory(lib, r -> r.body("vendor", is("status vendor")).body("fastSearch", is(true))
                .body("currentSlot", is(3)).body("slots.find { it.current }.slot", is(3))
                .body("slots.findAll { it.slot != 3 }.current", not(hasItem(true))));
    }
}
