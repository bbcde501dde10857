package io.drivebus.inventory;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.drivebus.inventory.live.ChangeFeed;
import io.drivebus.inventory.projection.Projector;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The library inventory is cached (its JSON, once per change), and must still show a change on the very next request:
 * one projected here from Kafka, one another replica projected (this replica learns of it only through the database),
 * and one whose NOTIFY has not arrived at all. Every GET right after a change is a single request, never a retry.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class InventoryFreshnessTest {

    static Bus bus;

    @Inject
    Pool pool;

    @Inject
    Projector projector;

    @Inject
    ChangeFeed feed;

    @Inject
    Vertx vertx;

    final List<String> elsewhere = new ArrayList<>();
    final List<String> appliedElsewhere = new ArrayList<>();

    @BeforeAll
    static void open() {
        bus = new Bus();
    }

    @AfterAll
    static void close() {
        bus.close();
    }

    static ExtractableResponse<Response> inventory(String lib) {
        return given().get("/api/libraries/{id}/inventory", lib).then().statusCode(200).extract();
    }

    /** Published, projected by this replica's consumer and committed: the next GET must show it. */
    static void projected(Envelope<?> e) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> Bus.processed(e.id()));
    }

    /** A library of five full slots and one empty drive, published, projected and its inventory cached. */
    static String cachedLibrary() {
        String lib = InventoryProjectionTest.newLibrary();
        projected(bus.publish(Topics.DEVICE_STATUS, InventoryProjectionTest.status(lib, 1, "v1",
                List.of(InventoryProjectionTest.emptyDrive()), InventoryProjectionTest.fullSlots(5))));
        String etag = inventory(lib).header("ETag");
        assertNotNull(etag);
        assertEquals(etag, inventory(lib).header("ETag"), "an unchanged library keeps its inventory");
        return lib;
    }

    /**
     * A library only "another replica" projected (never on the topics), its inventory cached here. Removed after the
     * test with every row it left, so that the inventory stays a function of the topics (RebuildTest).
     */
    String elsewhereLibrary() {
        String lib = InventoryProjectionTest.newLibrary();
        elsewhere.add(lib);
        projectElsewhere(Topics.DEVICE_STATUS, Envelope.of("test", null, InventoryProjectionTest.status(lib, 1, "v1",
                List.of(InventoryProjectionTest.emptyDrive()), InventoryProjectionTest.fullSlots(5))));
        String etag = inventory(lib).header("ETag");
        assertNotNull(etag);
        assertEquals(etag, inventory(lib).header("ETag"), "an unchanged library keeps its inventory");
        return lib;
    }

    @AfterEach
    void removeWhatWasProjectedElsewhere() throws SQLException {
        try (Connection c = connect()) {
            for (String lib : elsewhere) {
                update(c, "DELETE FROM library WHERE id = ?", lib);
                update(c, "DELETE FROM library_version WHERE library_id = ?", lib);
            }
            for (String id : appliedElsewhere) {
                update(c, "DELETE FROM processed_event WHERE event_id = ?", id);
            }
        }
        elsewhere.clear();
        appliedElsewhere.clear();
    }

    @Test
    void aChangeProjectedFromKafkaIsOnTheNextRequest() {
        String lib = cachedLibrary();
        String rid = "r-" + UUID.randomUUID();
        projected(bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("reservation-service", "req-" + rid,
                InventoryProjectionTest.granted(lib, rid))));
        given().get("/api/libraries/{id}/inventory", lib).then().statusCode(200).body("slots[2].reserved", is(true))
                .body("slots[2].reservationId", is(rid)).body("drives[0].reservation.state", is("granted"));

        projected(bus.publish(Topics.DEVICE_EVENTS, new DeviceCommandResult(lib, "c-1", "host1", "d0", DeviceAction.load, 1,
                CommandOutcome.done, null, 3, "VOL003", "VOL003L8", rid)));
        given().get("/api/libraries/{id}/inventory", lib).then().statusCode(200).body("drives[0].state", is("loaded"))
                .body("drives[0].label", is("VOL003")).body("slots[2].state", is("EMPTY"));

        projected(bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("reservation-service", "req-" + rid, new ReservationReady(lib, rid,
                InventoryProjectionTest.OWNER, "d0", "/dev/nst0", 3, "VOL003", "VOL003L8", 1, InventoryProjectionTest.LEASE))));
        given().get("/api/libraries/{id}/inventory", lib).then().statusCode(200).body("drives[0].reservation.state", is("ready"));

        projected(bus.publish(Topics.DEVICE_STATUS, InventoryProjectionTest.status(lib, 2, "v2", List.of(InventoryProjectionTest.emptyDrive()),
                InventoryProjectionTest.fullSlots(4))));
        given().get("/api/libraries/{id}/inventory", lib).then().statusCode(200).body("vendor", is("v2")).body("statusSequence", is(2))
                .body("slots.size()", is(4));

        projected(bus.publish(Topics.RESERVATION_EVENTS, new ReservationReleased(lib, rid, InventoryProjectionTest.OWNER, "d0", 1)));
        given().get("/api/libraries/{id}/inventory", lib).then().statusCode(200).body("slots[2].reserved", is(false))
                .body("drives[0].reservation", nullValue());

        bus.send(Topics.DEVICE_STATUS, lib, null);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Bus.sqlLong("SELECT count(*) FROM library WHERE id = ?", lib) == 0);
        given().get("/api/libraries/{id}/inventory", lib).then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void aChangeAnotherReplicaProjectedIsOnTheNextRequest() {
        String lib = elsewhereLibrary();
        // one after the other, each GET racing the change's NOTIFY to this replica
        for (int i = 2; i <= 21; i++) {
            SlotState first = i % 2 == 0 ? SlotState.EMPTY : SlotState.FULL;
            projectElsewhere(Topics.DEVICE_STATUS, Envelope.of("test", null, InventoryProjectionTest.status(lib, i, "v" + i,
                    List.of(InventoryProjectionTest.emptyDrive()), List.of(new SlotStatus(1, first, null, null, false)))));
            given().get("/api/libraries/{id}/inventory", lib).then().statusCode(200).body("vendor", is("v" + i))
                    .body("statusSequence", is(i)).body("slots.size()", is(1)).body("slots[0].state", is(first.name()));
        }
    }

    @Test
    void aReplicaTheNotifyHasNotReachedYetStillAnswersWithTheChange() throws SQLException {
        String lib = elsewhereLibrary();
        String before = inventory(lib).header("ETag");
        // what another replica's projection commits, less the NOTIFY (as if it were still on its way, or lost while
        // this replica's LISTEN connection was down): the change and the library's new version
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            update(c, "UPDATE slot SET label = 'MOVED1', barcode = NULL WHERE library_id = ? AND slot = 1", lib);
            update(c, "INSERT INTO library_version (library_id, version) VALUES (?, nextval('library_version_seq')) "
                    + "ON CONFLICT (library_id) DO UPDATE SET version = EXCLUDED.version", lib);
            c.commit();
        }
        ExtractableResponse<Response> after = given().get("/api/libraries/{id}/inventory", lib).then().statusCode(200)
                .body("slots[0].label", is("MOVED1")).body("slots[0].barcode", nullValue()).extract();
        assertNotEquals(before, after.header("ETag"));
    }

    @Test
    void anUnchangedInventoryIsNotModifiedForItsEntityTagAndAChangedOneIsSentAgain() {
        String lib = elsewhereLibrary();
        ExtractableResponse<Response> first = inventory(lib);
        String etag = first.header("ETag");
        // the same content type as every other JSON answer of the API
        assertEquals(given().get("/api/libraries").then().extract().contentType(), first.contentType());
        given().header("If-None-Match", etag).get("/api/libraries/{id}/inventory", lib).then().statusCode(304)
                .header("ETag", etag).body(is(emptyString()));
        given().header("If-None-Match", "\"something-else\"").get("/api/libraries/{id}/inventory", lib).then().statusCode(200)
                .header("ETag", etag).body("vendor", is("v1"));

        projectElsewhere(Topics.DEVICE_STATUS, Envelope.of("test", null, InventoryProjectionTest.status(lib, 2, "v2",
                List.of(InventoryProjectionTest.emptyDrive()), InventoryProjectionTest.fullSlots(5))));
        given().header("If-None-Match", etag).get("/api/libraries/{id}/inventory", lib).then().statusCode(200)
                .header("ETag", not(etag)).body("vendor", is("v2"));
    }

    /**
     * Another replica's projection of a record: the projection's own code in its own transaction, committed when this
     * returns. This replica's consumer never sees the record; the cache learns of it through the database only.
     */
    void projectElsewhere(String topic, Envelope<? extends Payload> e) {
        appliedElsewhere.add(e.id());
        String json = new String(MessageCodec.get().encode(e), StandardCharsets.UTF_8);
        Projector.Item item = new Projector.Item(topic, e.payload().library(), e, json);
        Context context = VertxContext.getOrCreateDuplicatedContext(vertx);
        Uni.createFrom().deferred(() -> pool.withTransaction(c -> projector.apply(c, List.of(item))
                        .chain(changes -> feed.notifyChanges(c, changes))))
                .runSubscriptionOn(task -> context.runOnContext(v -> task.run()))
                .await().atMost(Duration.ofSeconds(30));
    }

    static Connection connect() throws SQLException {
        var pg = PostgresTestResource.postgres();
        return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
    }

    static void update(Connection c, String sql, String lib) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, lib);
            st.executeUpdate();
        }
    }
}
