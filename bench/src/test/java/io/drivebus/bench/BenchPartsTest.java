package io.drivebus.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationReady;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The harness' parts that need no broker: parsing answers, the synthetic status, summaries, the report. Nothing timed. */
class BenchPartsTest {
    private final MessageCodec codec = MessageCodec.get();
    private final Owner owner = new Owner("job-1", "loadgen");

    @Test
    void readsTheFieldsOfAReadyEventAsTheCodecWroteThem() {
        ReservationReady ready = new ReservationReady("lib-1", "res-9", owner, "d2", "/dev/nst2", 3, "LIB1S3", null, 17,
                Instant.parse("2026-01-01T00:00:00Z"));
        Answer a = Answer.parse(codec.encode(Envelope.of("reservation-service/rs-a", "req-5", ready)));
        assertEquals("ready", a.type());
        assertEquals("req-5", a.correlationId());
        assertEquals("reservation-service/rs-a", a.source());
        assertEquals("lib-1", a.library());
        assertEquals("res-9", a.reservationId());
        assertEquals("d2", a.drive());
        assertEquals(17, a.token());
    }

    @Test
    void readsTheReasonOfADenialAndThePositionOfAQueuedRequest() {
        Answer d = Answer.parse(codec.encode(Envelope.of("rs", "req-1", new ReservationDenied("lib-1", null, owner,
                DrivebusError.failed(ErrorReason.driveinuse, "busy")))));
        assertEquals("denied", d.type());
        assertEquals("driveinuse", d.errorReason());
        Answer q = Answer.parse(codec.encode(Envelope.of("rs", "req-2", new ReservationQueued("lib-1", owner, 4))));
        assertEquals(4, q.position());
        assertNull(Answer.parse("not json".getBytes()));
    }

    @Test
    void syntheticStatusIsValidAndHasEveryVolumeInItsDrive() {
        SyntheticLibraries libs = new SyntheticLibraries(null, "thr", 2, 8, null);
        LibraryStatus s = libs.status(libs.libraries.get(1), 42);
        codec.encode(Envelope.of("bench", null, s)); // throws if it breaks the contract
        assertEquals("thr-1", s.library());
        assertEquals(8, s.drives().size());
        s.drives().forEach(d -> assertEquals(DriveState.loaded, d.state()));
        assertEquals(SyntheticLibraries.slotOfDrive(3), s.drives().get(3).sourceSlot());
        assertEquals(60_000, s.heartbeatIntervalMs());
    }

    @Test
    void poolLibrariesHaveAFullSlotOfThePoolSoAppendsWaitInsteadOfBeingRefused() {
        SyntheticLibraries libs = new SyntheticLibraries(null, "con", 1, 4, "bench");
        LibraryStatus s = libs.status("con-0", 1);
        codec.encode(Envelope.of("bench", null, s));
        assertTrue(s.slots().stream().anyMatch(sl -> "bench".equals(sl.pool()) && Boolean.TRUE.equals(sl.appendable())));
        s.drives().forEach(d -> assertEquals("bench", d.pool()));
    }

    @Test
    void scaleLibrariesHaveTheirExtraFullSlotsAfterTheDrivesAndTheLargestFitsTheBrokersLimit() {
        SyntheticLibraries libs = new SyntheticLibraries(null, "scs", 1, 4, null, 96, 30);
        LibraryStatus s = libs.status("scs-0", 1);
        codec.encode(Envelope.of("bench", null, s));
        assertEquals(100, s.slots().size());
        assertEquals(5, s.slots().get(4).slot());
        assertEquals(SyntheticLibraries.label("scs-0", 100), s.slots().get(99).label());
        // a 10,000-slot status must pass the broker's default message.max.bytes, or the scenario would skip it
        Harness.ScaleSetting largest = Harness.scaleSettings().stream().max(java.util.Comparator.comparingInt(Harness.ScaleSetting::slotsPerLibrary))
                .orElseThrow();
        assertEquals(10_000, largest.slotsPerLibrary());
        int bytes = Harness.statusBytes(largest);
        assertTrue(bytes > 500_000 && bytes < Harness.BROKER_DEFAULT_MAX_MESSAGE_BYTES, "status of " + bytes + " bytes");
    }

    @Test
    void scaleIsFlatWithinTwiceTheSmallestEitherWay() {
        List<Map<String, Object>> rows = List.of(Map.of("c", 10.0), Map.of("c", 15.0), Map.of("c", 19.0));
        assertEquals("flat", Harness.flatness(rows, "c").get("verdict"));
        assertEquals("grows 2.5×", Harness.flatness(List.of(Map.of("c", 10.0), Map.of("c", 25.0)), "c").get("verdict"));
        assertEquals("falls 4.0×", Harness.flatness(List.of(Map.of("c", 40.0), Map.of("c", 10.0)), "c").get("verdict"));
        assertTrue(((String) Harness.flatness(List.of(Map.of("c", 10.0), Map.of("x", 1)), "c").get("verdict")).startsWith("not measured"));
    }

    @Test
    void reportHasTheScaleTableAndItsVerdicts() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", Map.of("nproc", "2"));
        Map<String, Object> row = new LinkedHashMap<>(Map.of("sweep", "slots", "libraries", 16, "drives_per_library", 4, "slots_per_library", 10000, "in_flight", 64,
                "status_bytes", 708815, "cycles_per_s", 900.0, "service_cpu_us_per_cycle", 410.5, "broker_cpu_us_per_cycle", 300.0,
                "processor_cost_us_per_request", 21.5));
        row.put("cycle_latency", Map.of("p50_ms", 60.0, "p99_ms", 120.0));
        row.put("service_cpu_above_idle_us_per_cycle", 250.0);
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("rows", List.of(row, Map.of("sweep", "libraries", "libraries", 1000, "drives_per_library", 4, "slots_per_library", 10, "in_flight", 256,
                "status_bytes", 1500, "skipped", "too big")));
        raw.put("verdicts", Map.of("slots / service_cpu_us_per_cycle", Map.of("verdict", "flat", "smallest", 400.0, "largest", 410.5,
                "ratio_largest_to_smallest", 1.03)));
        Map<String, Object> sc = new LinkedHashMap<>();
        sc.put("scale", Map.of("description", "cost per reservation", "goal", "flat", "pass", true, "raw", raw));
        report.put("scenarios", sc);
        String md = Report.markdown(new ObjectMapper().valueToTree(report));
        assertTrue(md.contains("| slots | 16 | 4 | 10,000 | 64 | 708,815 | 900 | 411 | 250 | 300 | 21.50 | 60.00 | 120 |"), md);
        assertTrue(md.contains("| libraries | 1,000 | 4 | 10 | 256 | 1,500 | skipped: too big |"), md);
        assertTrue(md.contains("slots / service CPU per cycle: **flat** (400 → 411 µs, ×1.03)"), md);
        assertTrue(!md.contains("* scale: cost per reservation"), md);
    }

    @Test
    @SuppressWarnings("unchecked")
    void reportHasThePartitionsAndInstancesTable() {
        Map<String, Object> row = new LinkedHashMap<>(Map.of("partitions", 4, "instances", 2, "cycles_per_s", 1620.4, "unanswered", 0));
        row.put("cycle_latency", Map.of("p50_ms", 274.2, "p99_ms", 684.0));
        row.put("cpu_s_per_s_in_window", new LinkedHashMap<>(Map.of("broker", 0.61)));
        ((Map<String, Object>) row.get("cpu_s_per_s_in_window")).put("rs-a", 0.5);
        ((Map<String, Object>) row.get("cpu_s_per_s_in_window")).put("rs-b", 0.45);
        Map<String, Object> raw = Map.of("rows", List.of(row, Map.of("partitions", 8, "instances", 1, "error", "boom")), "in_flight", 512,
                "measured_s_per_setting", 20, "warmup_s_per_setting", 30, "note", "n");
        String md = Report.markdown(new ObjectMapper().valueToTree(Map.of("machine", Map.of("nproc", "2"), "scenarios",
                Map.of("scale-instances", Map.of("description", "d", "goal", "g", "pass", true, "raw", raw)))));
        assertTrue(md.contains("| 4 | 2 | 1,620 | 274 | 684 | 0 | 0.61 | rs-a 0.5, rs-b 0.45 |"), md);
        assertTrue(md.contains("| 8 | 1 | ERROR: boom |"), md);
        assertTrue(md.contains("see [Scale: partitions and instances](#scale-partitions-and-instances)"), md);
    }

    @Test
    void summaryIsInMillisecondsFromMicroseconds() {
        Histogram h = Stats.histogram();
        for (int i = 1; i <= 100; i++) {
            Stats.recordNanos(h, i * 1_000_000L);
        }
        Map<String, Object> s = Stats.summary(h);
        assertEquals(100L, s.get("count"));
        assertEquals(50.0, (double) s.get("p50_ms"), 0.1);
        assertEquals(100.0, (double) s.get("max_ms"), 0.1);
        assertTrue(((String) s.get("hdr_compressed_base64_us")).length() > 10);
    }

    @Test
    void reportHasARowPerScenarioWithItsVerdict() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", Map.of("nproc", "2", "free_g", "Mem: 7"));
        Map<String, Object> sc = new LinkedHashMap<>();
        sc.put("latency", Map.of("description", "open loop", "goal", "p50 ≤ 5 ms", "latency", Map.of("p50_ms", 12.5, "p99_ms", 30.0),
                "throughput", 500.0, "throughput_unit", "grants/s", "pass", false));
        sc.put("latency-at-20-per-s", Map.of("description", "open loop 20/s", "goal", "report (latency against rate)", "latency",
                Map.of("p50_ms", 5.4, "p99_ms", 12.0), "throughput", 20.0, "throughput_unit", "grants/s", "pass", false));
        sc.put("failover", Map.of("error", "boom"));
        report.put("scenarios", sc);
        String md = Report.markdown(new ObjectMapper().valueToTree(report));
        assertTrue(md.contains("| latency | open loop | p50 ≤ 5 ms | 12.50 |"), md);
        assertTrue(md.lines().anyMatch(l -> l.startsWith("| latency |") && l.endsWith("| **miss** |")), md);
        assertTrue(md.lines().anyMatch(l -> l.startsWith("| latency-at-20-per-s |") && l.endsWith("| report |")),
                "a row held to no goal is no miss: " + md);
        assertTrue(md.contains("ERROR: boom"), md);
        assertTrue(md.contains("nproc"), md);
    }

    @Test
    void reportShowsTheFootprintsFiguresInItsRowAndASkippedAmanda() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", Map.of("nproc", "2"));
        Map<String, Object> sc = new LinkedHashMap<>();
        sc.put("footprint", Map.of("description", "RSS and start-up", "goal", "report", "raw", Map.of("services", List.of(
                Map.of("service", "reservation-service", "start_to_ready_ms", 9171, "rss_mib_at_ready", 219.7)))));
        sc.put("amanda", Map.of("skipped", "Amanda is not installed"));
        report.put("scenarios", sc);
        report.put("rss_after_load_mib", Map.of("rs-a", 384.2));
        String md = Report.markdown(new ObjectMapper().valueToTree(report));
        assertTrue(md.contains("RSS and start-up: reservation-service 9.2 s to ready, 220 MiB"), md);
        assertTrue(md.contains("report (see [Footprint](#footprint))"), md);
        assertTrue(md.contains("skipped: Amanda is not installed"), md);
        assertTrue(md.contains("RSS after the load scenarios (MiB): rs-a 384"), md);
        assertTrue(!md.contains("### Sweep"), md);
    }

    @Test
    void reportHasTheRatioToAmanda() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", Map.of("nproc", "2"));
        Map<String, Object> sc = new LinkedHashMap<>();
        sc.put("amanda", Map.of("description", "Amanda", "latency", Map.of("p50_ms", 0.6), "throughput", 1600.0, "throughput_unit",
                "load+release/s"));
        sc.put("amanda-side-by-side", Map.of("description", "ratio", "drivebus_cycles_per_s", 3200.0, "amanda_1_process_per_s", 1600.0,
                "ratio_vs_1_process", 2.0, "ratio_vs_4_processes", 2.4, "latency_ms", Map.of("amanda_cycle_1_process", Map.of("p50_ms", 0.6)),
                "note", "Not like for like"));
        report.put("scenarios", sc);
        String md = Report.markdown(new ObjectMapper().valueToTree(report));
        assertTrue(md.contains("drivebus ÷ Amanda: 2.0× (1 process), 2.4× (4 processes)"), md);
        assertTrue(md.contains("| Amanda load+release, 1 process | 1,600 | 0.60 |"), md);
        assertTrue(!md.contains("Amanda side by side (load by slot"), md);
    }

    @Test
    void reportHasTheInventorysOwnProjectionTimer() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", Map.of("nproc", "2"));
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("inventory_projection_metrics", Map.of("drivebus_inventory_projection_lag_seconds_count{topic=\"drivebus.device.events\"}", "4.0",
                "drivebus_inventory_projection_lag_seconds_sum{topic=\"drivebus.device.events\"}", "2.0",
                "drivebus_inventory_projection_lag_seconds_max{topic=\"drivebus.device.events\"}", "0.9"));
        report.put("scenarios", Map.of("inventory-lag", Map.of("description", "lag", "raw", raw)));
        String md = Report.markdown(new ObjectMapper().valueToTree(report));
        assertTrue(md.contains("drivebus.device.events 4 records, mean 0.50 s, max 0.90 s"), md);
        assertTrue(!md.contains("* inventory: projection lag"), md);
    }

    @Test
    void inventorySeedStatusIsValidWithAThousandSlotsAndEveryVolumeOnce() {
        LibraryStatus st = InventoryLoad.seedStatus("inv-0", 10, 1000, 1);
        codec.encode(Envelope.of("bench", null, st)); // schema-checked
        assertEquals(1000, st.slots().size());
        assertEquals(10, st.drives().stream().filter(d -> d.state() == DriveState.loaded).count());
        long inSlots = st.slots().stream().filter(s -> s.label() != null).count();
        assertEquals(1000, inSlots + st.drives().size()); // a volume is in its slot or in a drive, never both
    }

    @Test
    void parsesOptions() {
        Args a = new Args(new String[] {"open", "--rate", "250", "--validate", "--only=a,b"}, 1);
        assertEquals(250, a.dbl("rate", 0), 0);
        assertTrue(a.flag("validate"));
        assertEquals("a,b", a.str("only", null));
        assertEquals(List.of("rate", "validate", "only"), List.copyOf(a.all().keySet()));
    }

    @Test
    void cpuPerCycleIsEachPiecesWindowCpuOverTheCyclesAndTheReportShowsIt() {
        Map<String, Object> w = Harness.cpuPerCycle(Map.of("broker", 10.0, "echo", 20.0, "loadgen", 5.0),
                Map.of("broker", 13.0, "echo", 24.5, "loadgen", 7.0), 10.0, 100_000);
        Map<?, ?> per = (Map<?, ?>) w.get("cpu_us_per_cycle");
        assertEquals(30.0, per.get("broker"));
        assertEquals(45.0, per.get("echo"));
        assertEquals(20.0, per.get("loadgen"));
        assertEquals(95.0, per.get("total"));
        assertEquals(0.95, w.get("cores_used"));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", Map.of("nproc", "2"));
        report.put("scenarios", Map.of("throughput-ceiling", Map.of("description", "echo", "throughput", 10000.0, "raw", Map.of("cpu_in_window", w))));
        String md = Report.markdown(new ObjectMapper().valueToTree(report));
        assertTrue(md.contains("| throughput-ceiling | 10,000 | echo 45.00 | 30.00 | 20.00 | 95.00 | 0.95 |"), md);
    }

    @Test
    void eachSecondHasItsOwnP99AndTheLatencyDetailShowsThem() {
        Stats.EachSecond each = new Stats.EachSecond();
        for (int i = 0; i < 100; i++) {
            each.record(100_000_000L + i, 2_000_000); // 2 ms, in second 0
            each.record(2_100_000_000L + i, i < 98 ? 3_000_000 : 90_000_000); // second 2: its two slowest 90 ms
        }
        List<Double> p99s = each.p99s(4);
        assertEquals(2.0, p99s.get(0), 0.01);
        assertNull(p99s.get(1));
        assertEquals(90.0, p99s.get(2), 0.1);
        assertNull(p99s.get(3));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", Map.of("nproc", "2"));
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("grant_p99_ms_each_second", p99s);
        report.put("scenarios", Map.of("latency", Map.of("description", "grant latency", "raw", raw)));
        String md = Report.markdown(new ObjectMapper().valueToTree(report));
        assertTrue(md.contains("  * p99 of each second (ms): [2.0,null,90.047,null]"), md);
    }
}
