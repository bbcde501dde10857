package io.drivebus.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The inventory scenarios' load: what the agents and the reservation-service would publish, published directly on
 * the real topics (valid envelopes, schema-checked like every other message of the generator), and the
 * inventory-service's REST API and live stream read back.
 *
 * <pre>
 * LoadGen projection --bootstrap B --out F --inventory URL [--rate 2000] [--duration-s 30] [--warmup-s 5]
 *                    [--libraries 20] [--drives 8] [--slots 64]
 * LoadGen lookup     --bootstrap B --out F --inventory URL [--libraries 100] [--drives 10] [--slots 1000]
 *                    [--volume-requests 20000] [--inventory-requests 2000] [--warmup-s 60]
 * </pre>
 *
 * <p>Why publish the events directly rather than drive reserve/release through the reservation-service: on this
 * project's 2-core machine the service answers ~500–1,000 cycles/s (docs/benchmarks.md) while sharing the cores
 * with the inventory-service and PostgreSQL, so 2,000 events/s through it would measure the reservation-service,
 * not the projection. The events are the ones it and the agents publish for a reserve with motion (granted, the
 * agent's load result, ready, released, the unload result) plus every library's full status each 5 s (the agent's
 * heartbeat interval), keyed by library and in each drive's real order.
 *
 * <p>Projection lag is the time from an event's due time (open loop: a stalled publisher is charged to every event
 * it delayed) until the inventory-service's live stream ({@code GET /api/events}) tells of it. The stream sends a
 * change only once the transaction applying the event has committed (PostgreSQL NOTIFY inside that transaction), so
 * the change is then visible through the REST API. An event not on the stream 30 s after the last one was due is
 * counted with the lag it had reached then (a lower bound), not left out.
 */
final class InventoryLoad {
    static final String HOST = SyntheticLibraries.HOST;
    /** The device-agent's default heartbeat interval: every library's full status this often. */
    static final long STATUS_INTERVAL_MS = 5_000;

    private final Args args;
    private final Bus bus;
    private final Map<String, Object> result;
    private final URI inventory;
    private final ObjectMapper json = MessageCodec.newObjectMapper();

    InventoryLoad(Args args, Bus bus, Map<String, Object> result) {
        this.args = args;
        this.bus = bus;
        this.result = result;
        this.inventory = URI.create(args.required("inventory").replaceAll("/$", ""));
    }

    // ---------------------------------------------------------------- the live stream

    /** One SSE subscription to /api/events: hands each change's event id (the SSE id) and its arrival nanoTime on. */
    private final class ChangeStream implements AutoCloseable {
        private final CountDownLatch hello = new CountDownLatch(1);
        private final Thread reader;
        private volatile InputStream body;
        private volatile boolean closed;
        /** The service ended the stream: it cuts off a subscriber too far behind, and what followed was not seen. */
        volatile boolean cutOff;
        final AtomicLong changes = new AtomicLong();

        ChangeStream(java.util.function.ObjLongConsumer<String> onChange) throws Exception {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest req = HttpRequest.newBuilder(inventory.resolve("/api/events")).header("Accept", "text/event-stream").build();
            HttpResponse<InputStream> res = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            if (res.statusCode() != 200) {
                throw new IllegalStateException("GET /api/events answered " + res.statusCode());
            }
            body = res.body();
            reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        long now = System.nanoTime();
                        if (line.startsWith("id:")) {
                            changes.incrementAndGet();
                            onChange.accept(line.substring(3).trim(), now);
                        } else if (line.startsWith("event:") && line.contains("hello")) {
                            hello.countDown();
                        }
                    }
                    if (!closed) {
                        cutOff = true;
                        System.out.println("loadgen: the live stream ended (a subscriber too far behind is cut off)");
                    }
                } catch (IOException e) {
                    if (!closed) {
                        System.out.println("loadgen: live stream failed: " + e);
                    }
                }
            }, "bench-sse");
            reader.setDaemon(true);
            reader.start();
            if (!hello.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no hello on /api/events within 30 s");
            }
        }

        @Override
        public void close() {
            closed = true;
            try {
                body.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** Publishes and returns the envelope id. */
    private String publish(String topic, String source, String correlationId, Payload p) {
        Envelope<Payload> e = Envelope.of(UUID.randomUUID().toString(), Instant.now(), source, correlationId, p);
        bus.send(topic, p.library(), e, null);
        return e.id();
    }

    /** Waits until the stream has told of every id in {@code ids} (they are removed as they arrive). */
    private static void awaitSeen(Set<String> ids, long timeoutS, String what) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        while (!ids.isEmpty()) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException(ids.size() + " " + what + " not projected within " + timeoutS + " s");
            }
            Thread.sleep(20);
        }
    }

    // ---------------------------------------------------------------- projection lag

    /** One drive's reservation cycle, as the reservation-service and the agent would publish it. */
    private static final class DriveCycle {
        final String library;
        final int drive;
        final int[] slots;
        final Owner owner;
        int phase; // next event: 0 granted, 1 load result, 2 ready, 3 released, 4 unload result
        int cycle;
        long token;
        String reservationId;
        String requestId;
        int slot;
        String label;

        DriveCycle(String library, int drive, int[] slots) {
            this.library = library;
            this.drive = drive;
            this.slots = slots;
            this.owner = new Owner("backup-" + library + "-d" + drive, "bench");
        }

        String id() {
            return "d" + drive;
        }

        String devicePath() {
            return "/dev/bench/" + library + "/d" + drive;
        }

        /** The volume is in the drive from the load result until the unload result. */
        boolean loaded() {
            return phase >= 2 && phase <= 4;
        }
    }

    void projectionLag() throws Exception {
        double rate = args.dbl("rate", 2000);
        long durationNs = TimeUnit.SECONDS.toNanos(args.integer("duration-s", 30));
        long warmupNs = TimeUnit.SECONDS.toNanos(args.integer("warmup-s", 5));
        int libraries = args.integer("libraries", 20);
        int drives = args.integer("drives", 8);
        int slots = args.integer("slots", 64);
        String prefix = args.str("prefix", "lag");
        List<String> libs = new ArrayList<>();
        List<DriveCycle> cycles = new ArrayList<>();
        for (int l = 0; l < libraries; l++) {
            libs.add(prefix + "-" + l);
        }
        // drive-major, so consecutive events spread over all libraries (and partitions)
        for (int d = 0; d < drives; d++) {
            for (String lib : libs) {
                List<Integer> own = new ArrayList<>();
                for (int s = d + 1; s <= slots; s += drives) {
                    own.add(s);
                }
                cycles.add(new DriveCycle(lib, d, own.stream().mapToInt(Integer::intValue).toArray()));
            }
        }
        Map<String, List<DriveCycle>> byLibrary = new LinkedHashMap<>();
        for (DriveCycle c : cycles) {
            byLibrary.computeIfAbsent(c.library, k -> new ArrayList<>()).add(c);
        }

        // event id -> {due, sent, measured}; removed when the stream tells of it
        Map<String, long[]> waiting = new ConcurrentHashMap<>();
        Set<String> setup = ConcurrentHashMap.newKeySet();
        Histogram fromDue = Stats.histogram();
        Histogram fromSend = Stats.histogram();
        Stats.EachSecond perSecond = new Stats.EachSecond();
        AtomicLong measureFromRef = new AtomicLong(Long.MAX_VALUE);
        AtomicLong lastSeen = new AtomicLong();
        AtomicLong lastChange = new AtomicLong();
        try (ChangeStream stream = new ChangeStream((id, now) -> {
            if (setup.remove(id)) {
                return;
            }
            lastChange.set(now);
            long[] w = waiting.remove(id);
            if (w != null && w[2] == 1) {
                Stats.recordNanos(fromDue, now - w[0]);
                Stats.recordNanos(fromSend, now - w[1]);
                perSecond.record(w[0] - measureFromRef.get(), now - w[0]);
                lastSeen.accumulateAndGet(now, Math::max);
            }
        })) {
            // the libraries' first status, projected before the clock starts (also: the consumer is assigned and caught up)
            long t0 = System.nanoTime();
            long seq = System.currentTimeMillis();
            for (String lib : libs) {
                setup.add(publish(Topics.DEVICE_STATUS, "device-agent/" + HOST, null, status(lib, byLibrary.get(lib), slots, seq)));
            }
            bus.producer.flush();
            awaitSeen(setup, 120, "first statuses");
            System.out.printf("loadgen: %d libraries projected after %.1f s%n", libs.size(), (System.nanoTime() - t0) / 1e9);

            Map<String, AtomicLong> byType = new LinkedHashMap<>();
            for (String t : List.of("granted", "device-result", "ready", "released", "library-status")) {
                byType.put(t, new AtomicLong());
            }
            // each library's status every STATUS_INTERVAL_MS, spread evenly over the interval
            long statusEvery = Math.max(1, (long) (rate * STATUS_INTERVAL_MS / 1000.0 / libraries));
            Publisher publisher = new Publisher(libs, cycles, byLibrary, slots, statusEvery, waiting, byType);
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            // Warm-up, not measured: a quarter, half and three quarters of the rate, a third of the time each, then
            // until all of it is projected. Every JVM here (broker, service, this one) starts cold, and in a cold run's
            // first minute their JIT compilers used ~40% of both cores (perf, all processes): start-up, not the steady
            // state this measures. Below the rate so that no backlog is carried into the measured window.
            long t = start;
            for (int quarter = 1; quarter <= 3 && warmupNs > 0; quarter++) {
                t = publisher.run(rate * quarter / 4, t, t + warmupNs / 3, false);
            }
            bus.producer.flush();
            long warmedUp = System.nanoTime();
            long drainUntil = warmedUp + TimeUnit.SECONDS.toNanos(120);
            while (!waiting.isEmpty() && System.nanoTime() < drainUntil) {
                Thread.sleep(20);
            }
            result.put("warmup_s", warmupNs / 1e9);
            result.put("warmup_drained_ms", (System.nanoTime() - warmedUp) / 1e6);
            result.put("warmup_unseen", waiting.size());
            long measureFrom = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            measureFromRef.set(measureFrom);
            long end = measureFrom + durationNs;
            publisher.run(rate, measureFrom, end, true);
            long sent = publisher.sent;
            long measuredSent = publisher.measuredSent;
            long lastDue = System.nanoTime();
            bus.producer.flush();
            // what is still unseen after 30 s is reported as such, not waited for
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!waiting.isEmpty() && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            long projected = sent - waiting.size();
            // an event never seen is not left out of the percentiles (that would flatter them): it counts with the lag
            // it had reached when we stopped waiting, a lower bound
            long cutoff = System.nanoTime();
            long unseen = 0;
            for (long[] w : List.copyOf(waiting.values())) {
                if (w[2] == 1) {
                    unseen++;
                    Stats.recordNanos(fromDue, cutoff - w[0]);
                    Stats.recordNanos(fromSend, cutoff - w[1]);
                    perSecond.record(w[0] - measureFrom, cutoff - w[0]);
                }
            }
            double took = Math.max(durationNs, lastSeen.get() - measureFrom) / 1e9;
            result.put("rate_target_per_s", rate);
            result.put("measured_s", durationNs / 1e9);
            result.put("published", sent);
            result.put("published_measured", measuredSent);
            result.put("published_per_s", measuredSent / (durationNs / 1e9));
            result.put("projected_per_s", (fromDue.getTotalCount() - unseen) / took);
            // all events, warm-up included: what the projection kept up with, from the first due time to the last change
            result.put("projected_all", projected);
            result.put("projected_all_per_s", projected / Math.max(1e-9, (lastChange.get() - start) / 1e9));
            result.put("sender_lag_ms_at_end", (lastDue - end) / 1e6);
            result.put("unseen_after_30s", unseen);
            result.put("unseen_counted_with_lag_at_cutoff", true);
            result.put("stream_changes", stream.changes.get());
            result.put("stream_cut_off", stream.cutOff);
            result.put("libraries", libraries);
            result.put("drives_per_library", drives);
            result.put("slots_per_library", slots);
            result.put("events_by_type", byType);
            result.put("events", "per drive and cycle: granted (motion) → device-result load → ready → released → device-result unload; "
                    + "each library's full status every " + STATUS_INTERVAL_MS / 1000 + " s");
            result.put("lag_from_due", Stats.summary(fromDue));
            result.put("lag_from_send", Stats.summary(fromSend));
            result.put("lag_p99_ms_each_second", perSecond.p99s((int) (durationNs / 1_000_000_000L)));
        }
        // the service's own view (its projection-lag timer: records applied, from occurredAt to commit), to tell a slow
        // projection from a slow live stream
        result.put("inventory_projection_metrics", projectionMetrics());
    }

    /** The drivebus_inventory_projection_lag_seconds lines of the service's /q/metrics (count, sum, max per topic). */
    private Map<String, String> projectionMetrics() {
        Map<String, String> m = new LinkedHashMap<>();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String body = http.send(HttpRequest.newBuilder(inventory.resolve("/q/metrics")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            body.lines().filter(l -> l.startsWith("drivebus_inventory_projection_lag_seconds")).forEach(l -> {
                int sp = l.lastIndexOf(' ');
                m.put(l.substring(0, sp), l.substring(sp + 1));
            });
        } catch (Exception e) {
            m.put("error", String.valueOf(e));
        }
        return m;
    }

    /** Publishes the scenario's events open loop, each at its due time; the drives' cycles go on from run to run. */
    private final class Publisher {
        private final List<String> libs;
        private final List<DriveCycle> cycles;
        private final Map<String, List<DriveCycle>> byLibrary;
        private final int slots;
        private final long statusEvery;
        private final Map<String, long[]> waiting;
        private final Map<String, AtomicLong> byType;
        private long i;
        private int nextDrive;
        private int nextStatus;
        long sent;
        long measuredSent;

        Publisher(List<String> libs, List<DriveCycle> cycles, Map<String, List<DriveCycle>> byLibrary, int slots, long statusEvery,
                Map<String, long[]> waiting, Map<String, AtomicLong> byType) {
            this.libs = libs;
            this.cycles = cycles;
            this.byLibrary = byLibrary;
            this.slots = slots;
            this.statusEvery = statusEvery;
            this.waiting = waiting;
            this.byType = byType;
        }

        /** {@code rate} events a second due from {@code from} until before {@code until}; returns {@code until}. */
        long run(double rate, long from, long until, boolean measured) {
            long interval = (long) (1e9 / rate);
            for (long due = from; due < until; due += interval, i++) {
                parkUntil(due);
                String type;
                String id = UUID.randomUUID().toString();
                long[] w = new long[] {due, 0, measured ? 1 : 0};
                waiting.put(id, w);
                w[1] = System.nanoTime();
                if (i % statusEvery == statusEvery - 1) {
                    String lib = libs.get(nextStatus++ % libs.size());
                    type = "library-status";
                    bus.send(Topics.DEVICE_STATUS, lib, Envelope.of(id, Instant.now(), "device-agent/" + HOST, null,
                            status(lib, byLibrary.get(lib), slots, System.currentTimeMillis())), null);
                } else {
                    type = step(cycles.get(nextDrive++ % cycles.size()), id);
                }
                byType.get(type).incrementAndGet();
                sent++;
                if (measured) {
                    measuredSent++;
                }
            }
            return until;
        }
    }

    /** Publishes the drive's next event under {@code id}; returns its type. */
    private String step(DriveCycle c, String id) {
        Instant now = Instant.now();
        String rsSource = "reservation-service/bench";
        String agentSource = "device-agent/" + HOST;
        switch (c.phase) {
            case 0 -> {
                c.token++;
                c.reservationId = UUID.randomUUID().toString();
                c.requestId = UUID.randomUUID().toString();
                c.slot = c.slots[c.cycle++ % c.slots.length];
                c.label = SyntheticLibraries.label(c.library, c.slot);
                send(Topics.RESERVATION_EVENTS, id, now, rsSource, c.requestId, new ReservationGranted(c.library, c.reservationId, c.owner,
                        "nightly-" + c.library, c.id(), HOST, c.devicePath(), c.slot, c.label, c.token, now.plusSeconds(3600), true));
                c.phase = 1;
                return "granted";
            }
            case 1 -> {
                send(Topics.DEVICE_EVENTS, id, now, agentSource, UUID.randomUUID().toString(), new DeviceCommandResult(c.library,
                        UUID.randomUUID().toString(), HOST, c.id(), DeviceAction.load, c.token, CommandOutcome.done, null, c.slot, c.label, null,
                        c.reservationId));
                c.phase = 2;
                return "device-result";
            }
            case 2 -> {
                send(Topics.RESERVATION_EVENTS, id, now, rsSource, c.requestId, new ReservationReady(c.library, c.reservationId, c.owner,
                        c.id(), c.devicePath(), c.slot, c.label, null, c.token, now.plusSeconds(3600)));
                c.phase = 3;
                return "ready";
            }
            case 3 -> {
                send(Topics.RESERVATION_EVENTS, id, now, rsSource, UUID.randomUUID().toString(),
                        new ReservationReleased(c.library, c.reservationId, c.owner, c.id(), c.token));
                c.phase = 4;
                return "released";
            }
            default -> {
                send(Topics.DEVICE_EVENTS, id, now, agentSource, UUID.randomUUID().toString(), new DeviceCommandResult(c.library,
                        UUID.randomUUID().toString(), HOST, c.id(), DeviceAction.unload, c.token, CommandOutcome.done, null, c.slot, c.label,
                        null, c.reservationId));
                c.phase = 0;
                return "device-result";
            }
        }
    }

    private void send(String topic, String id, Instant at, String source, String correlationId, Payload p) {
        bus.send(topic, p.library(), Envelope.of(id, at, source, correlationId, p), null);
    }

    /** A library's status as its agent would see it now: a drive between its load and unload results holds its volume. */
    private static LibraryStatus status(String lib, List<DriveCycle> drives, int slots, long seq) {
        List<DriveStatus> ds = new ArrayList<>();
        Set<Integer> out = new java.util.HashSet<>();
        for (DriveCycle c : drives) {
            if (c.loaded()) {
                out.add(c.slot);
                ds.add(new DriveStatus(c.id(), c.devicePath(), DriveState.loaded, "LTO-8", c.label, null, c.slot, null, c.token));
            } else {
                ds.add(new DriveStatus(c.id(), c.devicePath(), DriveState.empty, "LTO-8", null, null, null, null, c.token));
            }
        }
        List<SlotStatus> ss = new ArrayList<>();
        for (int s = 1; s <= slots; s++) {
            ss.add(out.contains(s) ? new SlotStatus(s, SlotState.EMPTY, null, null, false)
                    : new SlotStatus(s, SlotState.FULL, SyntheticLibraries.label(lib, s), null, false));
        }
        return new LibraryStatus(lib, HOST, "vtape", "bench", true, ds, ss, seq, STATUS_INTERVAL_MS);
    }

    private static void parkUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    // ---------------------------------------------------------------- lookups

    /**
     * Seeds libraries of {@code --slots} full slots and {@code --drives} drives through the status topic (each drive
     * holds the volume of one slot and is reserved: granted + ready, so a lookup also finds reservations), waits until
     * the live stream has told of every record, then times GET /api/volumes/{label} and GET /api/libraries/{id}/inventory,
     * closed loop from one thread over one keep-alive connection.
     */
    void lookups() throws Exception {
        int libraries = args.integer("libraries", 100);
        int drives = args.integer("drives", 10);
        int slots = args.integer("slots", 1000);
        int volumeRequests = args.integer("volume-requests", 20_000);
        int inventoryRequests = args.integer("inventory-requests", 2_000);
        long warmupNs = TimeUnit.SECONDS.toNanos(args.integer("warmup-s", 60));
        String prefix = args.str("prefix", "inv");
        List<String> libs = new ArrayList<>();
        for (int l = 0; l < libraries; l++) {
            libs.add(prefix + "-" + l);
        }
        Set<String> setup = ConcurrentHashMap.newKeySet();
        try (ChangeStream stream = new ChangeStream((id, now) -> setup.remove(id))) {
            long t0 = System.nanoTime();
            long seq = System.currentTimeMillis();
            long records = 0;
            for (String lib : libs) {
                setup.add(publish(Topics.DEVICE_STATUS, "device-agent/" + HOST, null, seedStatus(lib, drives, slots, seq)));
                records++;
            }
            bus.producer.flush();
            awaitSeen(setup, 600, "seed statuses");
            double statusesS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("loadgen: %d statuses of %d slots projected after %.1f s%n", libraries, slots, statusesS);
            Instant now = Instant.now();
            for (String lib : libs) {
                for (int d = 0; d < drives; d++) {
                    int slot = d + 1;
                    String label = SyntheticLibraries.label(lib, slot);
                    Owner owner = new Owner("backup-" + lib + "-d" + d, "bench");
                    String rid = UUID.randomUUID().toString();
                    String req = UUID.randomUUID().toString();
                    String path = "/dev/bench/" + lib + "/d" + d;
                    // no motion: the volume is already in the drive, so granted and ready come together
                    setup.add(publish(Topics.RESERVATION_EVENTS, "reservation-service/bench", req, new ReservationGranted(lib, rid, owner,
                            "nightly-" + lib, "d" + d, HOST, path, slot, label, 1, now.plusSeconds(86_400), false)));
                    setup.add(publish(Topics.RESERVATION_EVENTS, "reservation-service/bench", req, new ReservationReady(lib, rid, owner,
                            "d" + d, path, slot, label, barcode(label), 1, now.plusSeconds(86_400))));
                    records += 2;
                }
            }
            bus.producer.flush();
            awaitSeen(setup, 600, "seed reservations");
            double seedS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("loadgen: %d seed records projected after %.1f s%n", records, seedS);
            result.put("seed_records", records);
            result.put("seed_statuses_projected_s", statusesS);
            result.put("seed_projected_s", seedS);
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        result.put("seeded", seededCounts(http, prefix));
        Random rnd = new Random(7);
        Histogram volume = Stats.histogram();
        Histogram library = Stats.histogram();
        long[] volumeBytes = new long[3];
        long[] inventoryBytes = new long[3];
        AtomicLong errors = new AtomicLong();
        // warm-up: the JIT on both sides (C2 takes its time on two busy cores), PostgreSQL's caches, the connection; by time
        long warm = System.nanoTime();
        int warmupRequests = 0;
        while (System.nanoTime() - warm < warmupNs) {
            get(volumeUri(libs, slots, rnd), null, null, errors);
            if (warmupRequests++ % 10 == 0) {
                get(inventoryUri(libs, rnd), null, null, errors);
            }
        }
        errors.set(0);
        long v0 = System.nanoTime();
        // whether the tail is spread over the run or bunched (the JIT, autovacuum after the seed)
        Map<Integer, Histogram> volumeEachSecond = new HashMap<>();
        for (int i = 0; i < volumeRequests; i++) {
            long took = get(volumeUri(libs, slots, rnd), volume, volumeBytes, errors);
            if (took >= 0) {
                Stats.recordNanos(volumeEachSecond.computeIfAbsent((int) ((System.nanoTime() - v0) / 1_000_000_000L), k -> Stats.histogram()),
                        took);
            }
        }
        long i0 = System.nanoTime();
        for (int i = 0; i < inventoryRequests; i++) {
            get(inventoryUri(libs, rnd), library, inventoryBytes, errors);
        }
        long i1 = System.nanoTime();
        result.put("volume_requests_per_s", volumeRequests / ((i0 - v0) / 1e9));
        result.put("inventory_requests_per_s", inventoryRequests / ((i1 - i0) / 1e9));
        result.put("libraries", libraries);
        result.put("drives_per_library", drives);
        result.put("slots_per_library", slots);
        result.put("client", "HttpURLConnection, HTTP/1.1 keep-alive, one thread, closed loop; time to the whole body");
        result.put("warmup_s", warmupNs / 1e9);
        result.put("warmup_requests", warmupRequests);
        result.put("errors", errors.get());
        result.put("volume_lookup", Stats.summary(volume));
        result.put("volume_lookup_p99_ms_each_second", volumeEachSecond.keySet().stream().sorted()
                .map(k -> Stats.ms(volumeEachSecond.get(k).getValueAtPercentile(99))).toList());
        result.put("volume_lookup_bytes", sizes(volumeBytes));
        result.put("library_inventory", Stats.summary(library));
        result.put("library_inventory_bytes", sizes(inventoryBytes));
    }

    private static String barcode(String label) {
        return label + "L8";
    }

    private URI volumeUri(List<String> libs, int slots, Random rnd) {
        String lib = libs.get(rnd.nextInt(libs.size()));
        return inventory.resolve("/api/volumes/" + SyntheticLibraries.label(lib, 1 + rnd.nextInt(slots)));
    }

    private URI inventoryUri(List<String> libs, Random rnd) {
        return inventory.resolve("/api/libraries/" + libs.get(rnd.nextInt(libs.size())) + "/inventory");
    }

    /**
     * One GET, timed into {@code h} if it answered 200; returns the nanoseconds it took, or -1 for another answer.
     * HttpURLConnection reads and writes the (kept-alive) socket on this thread; java.net.http.HttpClient hands every
     * request to its selector thread and the answer back, two thread switches that a loaded two-core machine adds to
     * the tail of what is meant to be the service's time.
     */
    private static long get(URI uri, Histogram h, long[] bytes, AtomicLong errors) throws Exception {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setConnectTimeout(5_000);
        c.setReadTimeout(30_000);
        c.setRequestProperty("Accept", "application/json");
        long t0 = System.nanoTime();
        int status = c.getResponseCode();
        byte[] body;
        // read to the end and closed, so that the connection goes back to the keep-alive cache
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            body = in == null ? new byte[0] : in.readAllBytes();
        }
        long t1 = System.nanoTime();
        if (status != 200) {
            if (errors.incrementAndGet() <= 5) {
                System.out.println("loadgen: " + uri.getPath() + " answered " + status);
            }
            return -1;
        }
        if (h != null) {
            Stats.recordNanos(h, t1 - t0);
            int n = body.length;
            bytes[0] = bytes[1] == 0 && bytes[0] == 0 ? n : Math.min(bytes[0], n);
            bytes[1] = Math.max(bytes[1], n);
            bytes[2] += n;
        }
        return t1 - t0;
    }

    private static Map<String, Object> sizes(long[] b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("min", b[0]);
        m.put("max", b[1]);
        m.put("total", b[2]);
        return m;
    }

    /** What the inventory says it holds, from GET /api/libraries (all pages): ours and in all. */
    private Map<String, Object> seededCounts(HttpClient http, String prefix) throws Exception {
        long libs = 0, drives = 0, slots = 0, active = 0, allLibs = 0, allSlots = 0;
        String after = null;
        do {
            URI u = inventory.resolve("/api/libraries?limit=1000" + (after == null ? "" : "&after=" + java.net.URLEncoder.encode(after,
                    StandardCharsets.UTF_8)));
            HttpResponse<byte[]> res = http.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode page = json.readTree(res.body());
            for (JsonNode l : page) {
                allLibs++;
                allSlots += l.path("slots").asLong();
                if (l.path("library").asText().startsWith(prefix + "-")) {
                    libs++;
                    drives += l.path("drives").asLong();
                    slots += l.path("slots").asLong();
                    active += l.path("activeReservations").asLong();
                }
            }
            after = res.headers().firstValue("Link").map(InventoryLoad::afterOf).orElse(null);
        } while (after != null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("libraries", libs);
        m.put("drives", drives);
        m.put("slots", slots);
        m.put("active_reservations", active);
        m.put("all_libraries_in_database", allLibs);
        m.put("all_slots_in_database", allSlots);
        return m;
    }

    private static String afterOf(String link) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("[?&]after=([^&>]*)").matcher(link);
        return m.find() ? java.net.URLDecoder.decode(m.group(1), StandardCharsets.UTF_8) : null;
    }

    /** Every slot full (100,000 volumes at 100 × 1,000) except the first {@code drives}: their volumes are in the drives. */
    static LibraryStatus seedStatus(String lib, int drives, int slots, long seq) {
        List<DriveStatus> ds = new ArrayList<>();
        List<SlotStatus> ss = new ArrayList<>();
        for (int d = 0; d < drives; d++) {
            String label = SyntheticLibraries.label(lib, d + 1);
            ds.add(new DriveStatus("d" + d, "/dev/bench/" + lib + "/d" + d, DriveState.loaded, "LTO-8", label, barcode(label), d + 1, null, 1));
        }
        for (int s = 1; s <= slots; s++) {
            String label = SyntheticLibraries.label(lib, s);
            ss.add(s <= drives ? new SlotStatus(s, SlotState.EMPTY, null, null, false)
                    : new SlotStatus(s, SlotState.FULL, label, barcode(label), false));
        }
        return new LibraryStatus(lib, HOST, "mtx", "bench", true, ds, ss, seq, 3_600_000L);
    }
}
