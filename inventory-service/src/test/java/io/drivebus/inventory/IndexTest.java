package io.drivebus.inventory;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.inventory.api.LibraryInventories;
import io.drivebus.inventory.api.VolumeResource;
import io.drivebus.inventory.projection.EventRun;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lookups the API makes stay index scans at fleet size: 100,000 volumes in 100 libraries' slots, 1,000 drives,
 * 50,000 reservations, 20,000 waiters and 100,000 history rows, in a schema of their own migrated by the real
 * migrations (so the other tests' inventory is untouched). The queries are the ones the resources run; the plans are PostgreSQL's.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class IndexTest {

    static final String SCHEMA = "scale_check";

    static Connection connect() throws SQLException {
        var pg = PostgresTestResource.postgres();
        return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
    }

    /** A schema of its own with the real migrations: the very tables and indexes production has. */
    static void migrate(Statement st, String schema) throws SQLException {
        st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        var pg = PostgresTestResource.postgres();
        Flyway.configure().dataSource(pg.jdbcUrl(), pg.user(), pg.password()).schemas(schema).createSchemas(true)
                .locations("classpath:db/migration").load().migrate();
    }

    /** 100 libraries of 1,000 full slots. */
    static void fillSlots(Statement st, String schema) throws SQLException {
        st.execute("INSERT INTO " + schema + ".library (id, status_sequence) SELECT 'lib' || g, 1 FROM generate_series(1, 100) g");
        st.execute("INSERT INTO " + schema + ".slot (library_id, slot, state, label, barcode) SELECT 'lib' || (g % 100 + 1), g / 100 + 1, "
                + "'FULL', 'VOL' || lpad(g::text, 6, '0'), 'VOL' || lpad(g::text, 6, '0') || 'L8' FROM generate_series(0, 99999) g");
    }

    @BeforeAll
    static void fill() throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            migrate(st, SCHEMA);
            fillSlots(st, SCHEMA);
            st.execute("INSERT INTO " + SCHEMA + ".drive (library_id, drive_id, state, label, barcode, highest_token) "
                    + "SELECT 'lib' || (g % 100 + 1), 'd' || (g / 100), CASE WHEN g % 3 = 0 THEN 'loaded' ELSE 'empty' END, "
                    + "CASE WHEN g % 3 = 0 THEN 'DRV' || g END, NULL, g FROM generate_series(0, 999) g");
            st.execute("INSERT INTO " + SCHEMA + ".reservation (id, library_id, owner_key, owner_site, drive_id, slot, label, token, state, "
                    + "created_at, updated_at) SELECT 'r' || g, 'lib' || (g % 100 + 1), 'job' || (g % 500), 'site' || (g % 7), 'd' || (g % 10), "
                    + "g % 1000 + 1, 'VOL' || lpad((g * 2)::text, 6, '0'), g, CASE WHEN g % 50 = 0 THEN 'ready' ELSE 'released' END, "
                    + "now() - g * interval '1 minute', now() FROM generate_series(1, 50000) g");
            st.execute("INSERT INTO " + SCHEMA + ".event_history (event_id, library_id, type, occurred_at, reservation_id, drive_id, json) "
                    + "SELECT 'e' || g, 'lib' || (g % 100 + 1), 'granted', now(), 'r' || g, 'd' || (g % 10), '{}'::jsonb FROM generate_series(1, 100000) g");
            st.execute("INSERT INTO " + SCHEMA + ".waiter (request_id, library_id, owner_key, owner_site, position, queued_at, updated_at, "
                    + "ended_at) SELECT 'q' || g, 'lib' || (g % 100 + 1), 'job' || g, 's', g / 100 + 1, now(), now(), "
                    + "CASE WHEN g % 20 = 0 THEN NULL ELSE now() END FROM generate_series(1, 20000) g");
            st.execute("INSERT INTO " + SCHEMA + ".event_subject (event_seq, event_id, library_id, kind, name) SELECT id, event_id, library_id, "
                    + "k.kind, CASE k.kind WHEN 'drive' THEN drive_id WHEN 'volume' THEN 'VOL' || lpad((id % 50000)::text, 6, '0') "
                    + "ELSE 'job' || (id % 500) END FROM " + SCHEMA + ".event_history, (VALUES ('drive'), ('volume'), ('job')) k (kind)");
            st.execute("INSERT INTO " + SCHEMA + ".recorded_label (library_id, slot, label) SELECT 'lib' || (g % 100 + 1), g / 100 + 1, "
                    + "'OP' || lpad(g::text, 6, '0') FROM generate_series(0, 4999) g");
            for (String t : new String[] { "library", "drive", "slot", "reservation", "event_history", "waiter", "event_subject",
                    "recorded_label" }) {
                st.execute("ANALYZE " + SCHEMA + "." + t);
            }
        }
    }

    @AfterAll
    static void drop() throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    static String plan(String sql) throws SQLException {
        return plan(SCHEMA, sql);
    }

    static String plan(String schema, String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("SET search_path TO " + schema);
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = st.executeQuery("EXPLAIN " + sql)) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            return plan.toString();
        }
    }

    static void assertIndexed(String sql, String... indexes) throws SQLException {
        String plan = plan(sql);
        assertFalse(plan.contains("Seq Scan"), "a sequential scan for\n" + sql + "\n" + plan);
        for (String index : indexes) {
            assertTrue(plan.contains(index), "expected " + index + " for\n" + sql + "\n" + plan);
        }
    }

    /** The plan of a statement as the reactive client prepares it, after a few executions: generic, for any $1. */
    static String genericPlan(String sql, String arg) throws SQLException {
        return genericPlan(SCHEMA, sql, arg);
    }

    static String genericPlan(String schema, String sql, String arg) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("SET search_path TO " + schema);
            st.execute("SET plan_cache_mode = force_generic_plan");
            st.execute("PREPARE q (text) AS " + sql);
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = st.executeQuery("EXPLAIN EXECUTE q ('" + arg + "')")) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            return plan.toString();
        }
    }

    static void assertGenericIndexed(String sql, String arg, String... indexes) throws SQLException {
        String plan = genericPlan(sql, arg);
        assertFalse(plan.contains("Seq Scan"), "a sequential scan for\n" + sql + "\n" + plan);
        for (String index : indexes) {
            assertTrue(plan.contains(index), "expected " + index + " for\n" + sql + "\n" + plan);
        }
    }

    /**
     * The projection reads a run's reservations and waiters by id: primary-key lookups, whatever the planner thinks of
     * the table (a custom plan, as for a statement's first executions, with a run's worth of ids).
     */
    @Test
    void theProjectionReadsReservationsAndWaitersByPrimaryKey() throws SQLException {
        String ids = "ARRAY[" + java.util.stream.IntStream.range(1, 400).mapToObj(i -> "'r" + i * 97 + "'")
                .collect(java.util.stream.Collectors.joining(",")) + "]";
        assertIndexed(EventRun.RESERVATIONS.replace("$1", ids), "reservation_pkey");
        assertIndexed(EventRun.WAITERS.replace("$1", ids.replace("'r", "'q")), "waiter_pkey");
    }

    @Test
    void theLookupsPreparedStatementsAreIndexScansForAnyLabelOrLibrary() throws SQLException {
        assertGenericIndexed(VolumeResource.FIND, "VOL012345", "drive_label_idx", "drive_barcode_idx", "slot_label_idx",
                "slot_barcode_idx", "recorded_label_label_idx", "reservation_label_idx", "reservation_barcode_idx");
        // (the library and its version are primary-key lookups in tables too small here for a plan to tell)
        assertGenericIndexed(LibraryInventories.DRIVES, "lib42", "Index");
        assertGenericIndexed(LibraryInventories.SLOTS, "lib42", "Index", "recorded_label_pkey");
        assertGenericIndexed(LibraryInventories.ACTIVE_RESERVATIONS, "lib42");
        assertGenericIndexed(LibraryInventories.QUEUE, "lib42", "waiter_waiting_idx");
    }

    /**
     * Right after a bulk load (a fleet's first statuses) the slot table has no statistics until autovacuum analyses it,
     * up to a minute later. The volume lookup must not depend on them: as a hash join, it read all 100,000 slots for
     * every lookup until then (the first plan and the generic one alike).
     */
    @Test
    void theVolumeLookupReadsNoWholeSlotTableBeforeItIsAnalysed() throws SQLException {
        String schema = "unanalysed_check";
        try (Connection c = connect(); Statement st = c.createStatement()) {
            migrate(st, schema);
            st.execute("ALTER TABLE " + schema + ".slot SET (autovacuum_enabled = false)");
            fillSlots(st, schema);
        }
        try {
            for (String plan : List.of(plan(schema, VolumeResource.FIND.replace("$1", "'VOL012345'")),
                    genericPlan(schema, VolumeResource.FIND, "VOL012345"))) {
                assertFalse(plan.contains("Seq Scan on slot"), "the slot table read whole:\n" + plan);
                assertTrue(plan.contains("slot_label_idx") && plan.contains("slot_pkey"), plan);
            }
        } finally {
            try (Connection c = connect(); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Test
    void aVolumeIsFoundByLabelOrBarcodeThroughIndexes() throws SQLException {
        assertIndexed("SELECT * FROM slot WHERE label = 'VOL012345' OR barcode = 'VOL012345' ORDER BY library_id, slot",
                "slot_label_idx", "slot_barcode_idx");
        assertIndexed("SELECT * FROM drive WHERE label = 'VOL012345' OR barcode = 'VOL012345' ORDER BY library_id, drive_id",
                "drive_label_idx", "drive_barcode_idx");
        assertIndexed("SELECT * FROM reservation WHERE (label = 'VOL012345' OR barcode = 'VOL012345') AND state IN ('granted', 'ready')");
    }

    @Test
    void aLibrarysInventoryAndHistoryAreIndexScans() throws SQLException {
        assertIndexed("SELECT * FROM slot WHERE library_id = 'lib42' ORDER BY slot", "Index");
        assertIndexed("SELECT * FROM drive WHERE library_id = 'lib42' ORDER BY drive_id", "Index");
        assertIndexed("SELECT * FROM drive WHERE library_id = 'lib42' AND drive_id = 'd3'", "drive_pkey");
        assertIndexed("SELECT * FROM reservation WHERE library_id = 'lib42' AND state IN ('granted', 'ready')");
        assertIndexed("SELECT * FROM waiter WHERE library_id = 'lib42' AND ended_at IS NULL ORDER BY position, queued_at");
        assertIndexed("SELECT id FROM event_history WHERE library_id = 'lib42' ORDER BY id DESC LIMIT 100", "event_history_library_seq_idx");
        assertIndexed("SELECT * FROM reservation WHERE owner_key = 'job7' AND owner_site = 'site3' ORDER BY created_at DESC LIMIT 100");
        assertIndexed("SELECT * FROM reservation ORDER BY created_at DESC, id LIMIT 25", "reservation_created_idx");
        assertIndexed("SELECT * FROM reservation WHERE library_id = 'lib42' ORDER BY created_at DESC, id LIMIT 25",
                "reservation_library_created_idx");
    }

    @Test
    void historiesPagesAndFiltersAreIndexScans() throws SQLException {
        String history = "SELECT h.id, h.event_id FROM event_subject s JOIN event_history h ON h.id = s.event_seq WHERE s.kind = '%s' "
                + "AND s.name = '%s'%s AND s.event_seq < 90000 ORDER BY s.event_seq DESC LIMIT 101";
        assertIndexed(String.format(history, "drive", "d3", " AND s.library_id = 'lib42'"), "event_subject_library_idx");
        assertIndexed(String.format(history, "volume", "VOL001234", ""), "event_subject_pkey");
        assertIndexed(String.format(history, "job", "job7", ""), "event_subject_pkey");
        assertIndexed("SELECT id FROM event_history WHERE library_id = 'lib42' AND id < 50000 ORDER BY id DESC LIMIT 101",
                "event_history_library_seq_idx");
        assertIndexed("SELECT * FROM reservation WHERE job = 'job7' ORDER BY created_at DESC, id LIMIT 101", "reservation_job_created_idx");
        assertIndexed("SELECT * FROM reservation WHERE owner_site = 'site3' AND (created_at < now() - interval '1 day' OR "
                + "(created_at = now() - interval '1 day' AND id > 'r9')) ORDER BY created_at DESC, id LIMIT 101", "reservation_site_created_idx");
        assertIndexed("SELECT * FROM waiter WHERE ended_at IS NULL ORDER BY queued_at DESC, request_id LIMIT 101", "waiter_pending_idx");
        assertIndexed("SELECT library_id, slot FROM recorded_label WHERE label = 'OP001234' AND label <> ''", "recorded_label_label_idx");
        assertIndexed("SELECT slot, label FROM recorded_label WHERE library_id = 'lib42'", "recorded_label_pkey");
    }
}
