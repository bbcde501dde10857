package io.drivebus.inventory;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.inventory.projection.Projector;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A command result and the grant that names its job, projected at the same time by the two topics' consumers (here, as
 * two replicas would: the projection's own code, each in a transaction of its own, held open): whichever commits
 * second sees the first, so the result is in the job's history either way. The history's backfill offers only what
 * is new (EventRun#backfill), which is right only because the two are serialised on the reservation.
 *
 * <p>The records never go through Kafka, so what they projected is removed after each test (RebuildTest compares the
 * live schema with one rebuilt from the topics).
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class HistoryRaceTest {

    @Inject
    Pool pool;

    @Inject
    Projector projector;

    @Inject
    Vertx vertx;

    private final List<String> projected = new ArrayList<>();

    @AfterEach
    void removeWhatWasProjected() throws SQLException {
        var pg = PostgresTestResource.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password())) {
            // by the ids a test projected (its library, reservation and events); drives, slots and subjects go with them
            for (String sql : List.of("DELETE FROM event_history WHERE event_id = ANY(?)", "DELETE FROM processed_event WHERE event_id = ANY(?)",
                    "DELETE FROM reservation WHERE id = ANY(?)", "DELETE FROM library WHERE id = ANY(?)",
                    "DELETE FROM library_version WHERE library_id = ANY(?)")) {
                try (PreparedStatement st = c.prepareStatement(sql)) {
                    st.setArray(1, c.createArrayOf("varchar", projected.toArray()));
                    st.executeUpdate();
                }
            }
        }
        projected.clear();
    }

    @Test
    void aResultProjectedWhileItsGrantIsWaitsForItAndIsInTheJobsHistory() throws Exception {
        race(true);
    }

    @Test
    void aGrantProjectedWhileItsResultIsWaitsForItAndBackfillsTheResult() throws Exception {
        race(false);
    }

    private void race(boolean grantFirst) throws Exception {
        String lib = InventoryProjectionTest.newLibrary();
        String tag = UUID.randomUUID().toString().substring(0, 6);
        String rid = "race-" + tag, job = "race-job-" + tag;
        Envelope<?> grant = Envelope.of("rs", "req-" + rid, new ReservationGranted(lib, rid, new Owner("job-r", "site-r"), job, "d0",
                "host1", "/dev/nst0", 2, "R" + tag, 1, HistoryTest.LEASE, true));
        Envelope<?> load = Envelope.of("agent", null, new DeviceCommandResult(lib, "c-" + tag, "host1", "d0", DeviceAction.load, 1,
                CommandOutcome.done, null, 2, "R" + tag, null, rid));
        projected.addAll(List.of(lib, rid, grant.id(), load.id()));
        Open first = grantFirst ? new Open(Topics.RESERVATION_EVENTS, grant) : new Open(Topics.DEVICE_EVENTS, load);
        first.applied.join();
        Open second = grantFirst ? new Open(Topics.DEVICE_EVENTS, load) : new Open(Topics.RESERVATION_EVENTS, grant);
        // the second waits on the reservation's lock while the first is open
        boolean waited;
        try {
            second.applied.get(700, TimeUnit.MILLISECONDS);
            waited = false;
        } catch (TimeoutException expected) {
            waited = true;
        }
        // both committed before anything is asserted, so that no transaction is left holding locks
        first.commit();
        second.applied.join();
        second.commit();
        assertTrue(waited, "the second transaction did not wait for the first");
        given().get("/api/jobs/{job}/history", job).then().statusCode(200)
                .body("type", grantFirst ? contains("device-result", "granted") : contains("granted", "device-result"));
    }

    /** A transaction on a connection of its own that has applied one record and is left open. */
    private final class Open {
        final CompletableFuture<Void> applied;
        private volatile SqlConnection connection;
        private volatile Transaction transaction;
        private final Context context = VertxContext.getOrCreateDuplicatedContext(vertx);

        Open(String topic, Envelope<? extends Payload> e) {
            String json = new String(MessageCodec.get().encode(e), StandardCharsets.UTF_8);
            Projector.Item item = new Projector.Item(topic, e.payload().library(), e, json);
            applied = Uni.createFrom().deferred(() -> pool.getConnection()
                            .invoke(c -> connection = c)
                            .chain(c -> c.begin())
                            .invoke(t -> transaction = t)
                            .chain(t -> projector.apply(connection, List.of(item))))
                    .runSubscriptionOn(task -> context.runOnContext(v -> task.run()))
                    .replaceWithVoid()
                    .subscribeAsCompletionStage();
        }

        void commit() {
            Uni.createFrom().deferred(() -> transaction.commit().eventually(() -> connection.close()))
                    .runSubscriptionOn(task -> context.runOnContext(v -> task.run()))
                    .await().atMost(Duration.ofSeconds(30));
        }
    }
}
