package io.drivebus.inventory;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.inventory.projection.ProjectionRebuild;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.reservation.ExpiryKind;
import io.drivebus.schemas.reservation.ReservationExpired;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Invariant 4: the inventory is a function of the topics. Everything the tests of this JVM have put on the bus so
 * far (plus a little more here) is replayed into an empty schema and must give the very state the live projection
 * has: every table, row for row.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class RebuildTest {

    /** Per table, the columns that are state (not the database's own bookkeeping: serial ids, processing times). */
    static final Map<String, String> STATE = Map.of(
            "library", "id, host, driver, vendor, fast_search, heartbeat_interval_ms, status_sequence, last_status_at, current_slot, "
                    + "num_slots, changer_at",
            "recorded_label", "library_id, slot, label",
            "event_subject", "event_id, library_id, kind, name",
            "drive", "library_id, drive_id, device_path, state, media_type, label, barcode, source_slot, error, highest_token, state_at",
            "slot", "library_id, slot, state, label, barcode, import_export, state_at",
            "reservation", "id, library_id, owner_key, owner_site, job, drive_id, host, device_path, slot, label, barcode, token, state, "
                    + "lease_expires_at, created_at, updated_at, ended_at, end_reason, correlation_id",
            "waiter", "request_id, library_id, owner_key, owner_site, position, queued_at, updated_at, ended_at, end_type",
            "event_history", "event_id, library_id, type, occurred_at, reservation_id, drive_id, correlation_id, json",
            "processed_event", "event_id, topic");

    @Inject
    ProjectionRebuild rebuild;

    @Test
    void replayingTheTopicsIntoAnEmptySchemaGivesTheLiveState() throws Exception {
        String lib = InventoryProjectionTest.newLibrary();
        Owner owner = new Owner("job-r", "site-r");
        try (Bus bus = new Bus()) {
            bus.publish(Topics.DEVICE_STATUS, InventoryProjectionTest.status(lib, 1, "v", List.of(InventoryProjectionTest.emptyDrive()),
                    InventoryProjectionTest.fullSlots(4)));
            bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", "req-a", new ReservationGranted(lib, "ra-" + lib, owner, "j", "d0",
                    "host1", "/dev/nst0", 2, "VOL002", 3, Instant.parse("2031-01-01T00:00:00Z"), true)));
            bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", "req-b", new ReservationQueued(lib, new Owner("w", "s"), 1)));
            bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", "req-c", new ReservationQueued(lib, new Owner("x", "s"), 2)));
            bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", "req-c", new ReservationExpired(lib, null, new Owner("x", "s"), null,
                    null, ExpiryKind.wait)));
            bus.publish(Topics.DEVICE_EVENTS, new DeviceCommandResult(lib, "c-r", "host1", "d0", DeviceAction.load, 3,
                    CommandOutcome.done, null, 2, "VOL002", "VOL002L8", "ra-" + lib));
            bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("rs", "req-u", new io.drivebus.schemas.reservation.ChangerResult(lib, owner,
                    io.drivebus.schemas.reservation.ChangerOp.update, 3, 4, "v", true, List.of(4), null,
                    List.of(new io.drivebus.schemas.reservation.RecordedLabel(4, "OP004")))));
            Envelope<?> last = bus.publish(Topics.RESERVATION_EVENTS, new ReservationReleased(lib, "ra-" + lib, owner, "d0", 3));
            await().atMost(Duration.ofSeconds(30)).until(() -> Bus.processed(last.id()));
        }
        String schema = "rebuild_" + UUID.randomUUID().toString().substring(0, 8);
        ProjectionRebuild.Result result = rebuild.rebuildInto(schema);
        assertTrue(result.applied() >= 7, result.toString()); // at least this test's own records

        // the live consumers may still be committing the last records of other topics: they converge
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            List<String> differences = new ArrayList<>();
            for (var t : STATE.entrySet()) {
                differences.addAll(diff(t.getKey(), t.getValue(), schema));
            }
            assertTrue(differences.isEmpty(), "live and rebuilt inventory differ:\n" + String.join("\n", differences));
        });
        // and the replay really built something
        assertTrue(Bus.sqlLong("SELECT count(*) FROM " + schema + ".waiter WHERE library_id = ? AND ended_at IS NULL", lib) == 1);
        assertTrue(Bus.sqlLong("SELECT count(*) FROM " + schema + ".slot") > 0);
        assertTrue(Bus.sqlLong("SELECT count(*) FROM " + schema + ".recorded_label WHERE library_id = ?", lib) == 1);
        assertTrue(Bus.sqlLong("SELECT count(*) FROM " + schema + ".event_subject WHERE library_id = ? AND kind = 'job'", lib) >= 3);
    }

    /** Rows in one and not the other, both ways. */
    static List<String> diff(String table, String columns, String schema) throws SQLException {
        var pg = PostgresTestResource.postgres();
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password())) {
            for (String[] way : new String[][] { { "public", schema }, { schema, "public" } }) {
                String sql = "SELECT " + columns + " FROM " + way[0] + "." + table + " EXCEPT SELECT " + columns + " FROM " + way[1] + "." + table
                        + " LIMIT 20";
                try (var st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        StringBuilder row = new StringBuilder(table + " only in " + way[0] + ": ");
                        for (int i = 1; i <= n; i++) {
                            row.append(i == 1 ? "" : ", ").append(rs.getString(i));
                        }
                        out.add(row.toString());
                    }
                }
            }
        }
        return out;
    }
}
