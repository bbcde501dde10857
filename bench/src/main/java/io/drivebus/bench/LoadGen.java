package io.drivebus.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.AccessMode;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.ReservationRequest;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import org.HdrHistogram.Histogram;

/**
 * The load generator: its own JVM, speaking the real topics (see {@link Bus}) to libraries it keeps alive itself
 * ({@link SyntheticLibraries}). One scenario per run; the result is a JSON file ({@code --out}).
 *
 * <pre>
 * LoadGen open       --bootstrap B --out F [--rate 500] [--duration-s 30] [--warmup-s 5] [--libraries 32] [--drives 4]
 *                    (the warm-up ramps from a tenth of the rate to the rate; the measured window is at the rate)
 * LoadGen closed     --bootstrap B --out F [--concurrency 512] [--duration-s 30] [--warmup-s 5] [--libraries 64] [--drives 8]
 *                    [--extra-slots 0] [--status-every-s 2] [--rotate-seats]
 * LoadGen contention --bootstrap B --out F [--jobs 200] [--drives 4] [--hold-ms 20] [--priorities 5,10,15]
 * LoadGen probe      --bootstrap B --out F [--libraries 8] [--duration-s 40] [--pause-ms 20]
 * LoadGen projection --bootstrap B --out F --inventory URL [--rate 2000] ...   (see {@link InventoryLoad})
 * LoadGen lookup     --bootstrap B --out F --inventory URL [--libraries 100] ... (see {@link InventoryLoad})
 * common: --prefix NAME (library ids NAME-0..), --validate (schema-check every message both ways)
 * </pre>
 *
 * <p>Open loop: requests are due at fixed intervals whatever the answers do, and latency is measured from when a
 * request was <em>due</em>, not when it went out, so a stall of the generator or the service is charged to every
 * request it delayed (the coordinated-omission correction). A reserve is timed to its usable answer (granted
 * and ready arrive in one transaction when there is no motion); its drive is then released and reused.
 *
 * <p>Closed loop: N workers, each owning one drive, each doing reserve, release, reserve... as fast as answers come.
 * With {@code --rotate-seats} a worker takes the drive that waited longest after each cycle, so fewer workers than
 * drives still touch every library (the scale scenario: 256 in flight over 1,000 libraries). It prints
 * {@code measure begin} and {@code measure end} at the window's edges, so the harness can read the service's CPU
 * over exactly the cycles counted.
 */
public final class LoadGen {

    static final long ANSWER_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    /** A drive a worker uses: reserve by the slot whose volume the drive already holds. */
    record Seat(String library, int drive, Owner owner) {
        int slot() {
            return SyntheticLibraries.slotOfDrive(drive);
        }
    }

    private final Args args;
    private final Bus bus;
    private final Map<String, Object> result = new LinkedHashMap<>();
    private final AtomicLong denied = new AtomicLong();
    private final Map<String, AtomicLong> denyReasons = new ConcurrentHashMap<>();

    private LoadGen(Args args, Bus bus) {
        this.args = args;
        this.bus = bus;
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println("usage: LoadGen open|closed|contention|probe|projection|lookup --bootstrap HOST:PORT --out FILE [options]");
            System.exit(2);
        }
        String mode = argv[0];
        Args a = new Args(argv, 1);
        Path out = Path.of(a.required("out"));
        long cpu0 = cpuNanos();
        // the inventory scenarios only publish: no consumer of the events topic
        boolean answers = !mode.equals("projection") && !mode.equals("lookup");
        try (Bus bus = new Bus(a.required("bootstrap"), "bench/loadgen", a.flag("validate"), answers)) {
            LoadGen g = new LoadGen(a, bus);
            g.result.put("mode", mode);
            g.result.put("args", a.all());
            switch (mode) {
                case "open" -> g.openLoop();
                case "closed" -> g.closedLoop();
                case "contention" -> g.contention();
                case "probe" -> g.probe();
                case "projection" -> new InventoryLoad(a, bus, g.result).projectionLag();
                case "lookup" -> new InventoryLoad(a, bus, g.result).lookups();
                default -> throw new IllegalArgumentException("unknown mode " + mode);
            }
            g.result.put("denied", g.denied.get());
            g.result.put("deny_reasons", g.denyReasons);
            g.result.put("send_errors", bus.sendErrors.get());
            g.result.put("events_seen", bus.eventsSeen.get());
            g.result.put("loadgen_cpu_s", (cpuNanos() - cpu0) / 1e9);
            ObjectMapper m = MessageCodec.newObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            Files.createDirectories(out.toAbsolutePath().getParent());
            m.writeValue(out.toFile(), g.result);
        }
        System.out.println("loadgen " + mode + " done: " + out);
        System.exit(0);
    }

    private static long cpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getProcessCpuTime() : -1;
    }

    // ---------------------------------------------------------------- calls

    /** Sends a request; {@code onEnd} gets the answer that ends it (not queued, not granted) and its nanoTime. */
    private String call(ReservationRequest req, BiConsumer<Answer, Long> onEnd) {
        return call(req, onEnd, null);
    }

    private String call(ReservationRequest req, BiConsumer<Answer, Long> onEnd, java.util.function.LongConsumer offset) {
        String id = bus.newId();
        bus.request(id, req, (a, now, rec) -> {
            if (a.is("queued") || a.is("granted")) {
                return;
            }
            bus.done(id);
            if (a.is("denied")) {
                denied.incrementAndGet();
                denyReasons.computeIfAbsent(String.valueOf(a.errorReason()), k -> new AtomicLong()).incrementAndGet();
            }
            onEnd.accept(a, now);
        }, offset);
        return id;
    }

    private ReserveRequest reserveOf(Seat s) {
        return ReserveRequest.bySlot(s.library(), s.owner(), s.slot());
    }

    private static ReleaseRequest releaseOf(Seat s, String reservationId) {
        return new ReleaseRequest(s.library(), reservationId, s.owner(), null);
    }

    private List<Seat> seats(SyntheticLibraries libs, String ownerPrefix) {
        List<Seat> seats = new ArrayList<>();
        // drive-major, so the first seats spread over all libraries
        for (int d = 0; d < libs.drives; d++) {
            for (String lib : libs.libraries) {
                seats.add(new Seat(lib, d, new Owner(ownerPrefix + "-" + lib + "-d" + d, "loadgen")));
            }
        }
        return seats;
    }

    private SyntheticLibraries libraries(String defPrefix, int defCount, int defDrives, String pool) {
        String prefix = args.str("prefix", defPrefix);
        return new SyntheticLibraries(bus, prefix, args.integer("libraries", defCount), args.integer("drives", defDrives), pool,
                args.integer("extra-slots", 0), args.integer("status-every-s", 2)).start();
    }

    /**
     * Until the service has taken every library's status, a reserve is denied (unknown library): reserve and release
     * one drive per library until each works. Doubles as warm-up of the service's code paths.
     */
    private void awaitLibraries(List<String> libraries) throws InterruptedException {
        long t0 = System.nanoTime();
        CountDownLatch ready = new CountDownLatch(libraries.size());
        ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor();
        for (String lib : libraries) {
            Seat s = new Seat(lib, 0, new Owner("bench-probe-" + lib, "loadgen"));
            tryLibrary(s, ready, retry);
        }
        if (!ready.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException(ready.getCount() + " libraries never became usable");
        }
        retry.shutdownNow();
        denied.set(0);
        denyReasons.clear();
        System.out.printf("loadgen: %d libraries usable after %.1f s%n", libraries.size(), (System.nanoTime() - t0) / 1e9);
    }

    private void tryLibrary(Seat s, CountDownLatch ready, ScheduledExecutorService retry) {
        call(reserveOf(s), (a, now) -> {
            if (a.is("ready")) {
                call(releaseOf(s, a.reservationId()), (r, n2) -> ready.countDown());
            } else {
                retry.schedule(() -> tryLibrary(s, ready, retry), 200, TimeUnit.MILLISECONDS);
            }
        });
    }

    // ---------------------------------------------------------------- open loop

    private void openLoop() throws Exception {
        double rate = args.dbl("rate", 500);
        long durationNs = TimeUnit.SECONDS.toNanos(args.integer("duration-s", 30));
        long warmupNs = TimeUnit.SECONDS.toNanos(args.integer("warmup-s", 5));
        try (SyntheticLibraries libs = libraries("lat", 32, 4, null)) {
            awaitLibraries(libs.libraries);
            List<Seat> all = seats(libs, "open");
            BlockingQueue<Seat> free = new ArrayBlockingQueue<>(all.size(), false, all);
            Histogram corrected = Stats.histogram();
            Histogram uncorrected = Stats.histogram();
            Histogram release = Stats.histogram();
            Stats.EachSecond correctedEachSecond = new Stats.EachSecond();
            AtomicLong answered = new AtomicLong();
            AtomicLong sent = new AtomicLong();
            AtomicLong seatWaits = new AtomicLong();
            AtomicLong lastAnswer = new AtomicLong();
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            long measureFrom = start + warmupNs;
            long end = measureFrom + durationNs;
            // warm-up ramps the rate from a tenth to the full rate: every JVM here (broker, service, this one) spends its
            // first tens of seconds compiling its hot code, and a full rate at once builds a backlog that the
            // measured window would inherit; the measured window is at the full rate throughout
            long due = start;
            while (true) {
                double ramp = due >= measureFrom ? 1 : 0.1 + 0.9 * (due - start) / (double) warmupNs;
                due += (long) (1e9 / (rate * ramp));
                if (due >= end) {
                    break;
                }
                parkUntil(due);
                Seat s = free.poll();
                if (s == null) {
                    seatWaits.incrementAndGet();
                    s = free.take(); // waiting for a drive is charged to the request: it was due at `due`
                }
                Seat seat = s;
                long sentAt = System.nanoTime();
                long dueAt = due;
                boolean measured = due >= measureFrom;
                if (measured) {
                    sent.incrementAndGet();
                }
                call(reserveOf(seat), (a, now) -> {
                    if (measured && a.is("ready")) {
                        Stats.recordNanos(corrected, now - dueAt);
                        correctedEachSecond.record(dueAt - measureFrom, now - dueAt);
                        Stats.recordNanos(uncorrected, now - sentAt);
                        answered.incrementAndGet();
                        lastAnswer.accumulateAndGet(now, Math::max);
                    }
                    if (!a.is("ready")) {
                        free.add(seat);
                        return;
                    }
                    long relAt = System.nanoTime();
                    call(releaseOf(seat, a.reservationId()), (r, n2) -> {
                        if (measured) {
                            Stats.recordNanos(release, n2 - relAt);
                        }
                        free.add(seat);
                    });
                });
            }
            long lastDue = System.nanoTime();
            drain(TimeUnit.SECONDS.toNanos(30));
            result.put("rate_target_per_s", rate);
            result.put("measured_s", durationNs / 1e9);
            result.put("ramp_up_s", warmupNs / 1e9);
            result.put("sent", sent.get());
            result.put("answered_ready", answered.get());
            // over the time it really took: when the service falls behind, the last answers come after the schedule's end
            double took = Math.max(durationNs, lastAnswer.get() - measureFrom) / 1e9;
            result.put("throughput_per_s", answered.get() / took);
            result.put("measured_until_last_answer_s", took);
            result.put("sender_lag_ms_at_end", (lastDue - end) / 1e6);
            result.put("seat_waits", seatWaits.get());
            result.put("unanswered", bus.inFlight());
            result.put("libraries", libs.libraries.size());
            result.put("drives_per_library", libs.drives);
            result.put("grant_latency_corrected", Stats.summary(corrected));
            result.put("grant_p99_ms_each_second", correctedEachSecond.p99s((int) (durationNs / 1_000_000_000L)));
            result.put("grant_latency_uncorrected", Stats.summary(uncorrected));
            result.put("release_latency", Stats.summary(release));
        }
    }

    private static void parkUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    private void drain(long timeoutNs) throws InterruptedException {
        long until = System.nanoTime() + timeoutNs;
        while (bus.inFlight() > 0 && System.nanoTime() < until) {
            Thread.sleep(20);
        }
    }

    // ---------------------------------------------------------------- closed loop

    private void closedLoop() throws Exception {
        long durationNs = TimeUnit.SECONDS.toNanos(args.integer("duration-s", 30));
        long warmupNs = TimeUnit.SECONDS.toNanos(args.integer("warmup-s", 5));
        try (SyntheticLibraries libs = libraries("thr", 64, 8, null)) {
            awaitLibraries(libs.libraries);
            List<Seat> all = seats(libs, "closed");
            int n = Math.min(args.integer("concurrency", all.size()), all.size());
            // the drives no worker holds, longest idle first: a worker swaps its drive for the head after each cycle
            ConcurrentLinkedQueue<Seat> idle = args.flag("rotate-seats") ? new ConcurrentLinkedQueue<>(all.subList(n, all.size())) : null;
            Histogram cycle = Stats.histogram();
            Histogram reserve = Stats.histogram();
            Histogram release = Stats.histogram();
            AtomicLong cycles = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            long t0 = System.nanoTime();
            long measureFrom = t0 + warmupNs;
            long end = measureFrom + durationNs;
            for (int i = 0; i < n; i++) {
                cycle(all.get(i), idle, stop, measureFrom, end, cycles, cycle, reserve, release);
            }
            // a timeline of completed cycles per second, to see warm-up and stalls
            List<Long> perSecond = new ArrayList<>();
            long last = 0;
            long windowCycles = 0;
            long windowRounds = 0;
            boolean inWindow = false;
            long secondEnd = t0 + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < end) {
                long wake = Math.min(secondEnd, inWindow ? end : Math.min(end, measureFrom));
                parkUntil(wake);
                long c = cycles.get();
                if (!inWindow && wake >= measureFrom) {
                    // completed cycles and the service's CPU (read by the harness on this line) from the same instant
                    inWindow = true;
                    windowCycles = c;
                    windowRounds = libs.rounds.get();
                    System.out.println("measure begin");
                    System.out.flush();
                }
                if (wake >= secondEnd) {
                    perSecond.add(c - last);
                    last = c;
                    secondEnd += TimeUnit.SECONDS.toNanos(1);
                }
            }
            long c1 = cycles.get();
            System.out.println("measure end");
            System.out.flush();
            windowCycles = c1 - windowCycles;
            stop.set(true);
            drain(TimeUnit.SECONDS.toNanos(30));
            result.put("concurrency", n);
            result.put("libraries", libs.libraries.size());
            result.put("drives_per_library", libs.drives);
            result.put("measured_s", durationNs / 1e9);
            result.put("cycles", cycle.getTotalCount());
            result.put("cycles_per_s", cycle.getTotalCount() / (durationNs / 1e9));
            result.put("requests_per_s", 2.0 * cycle.getTotalCount() / (durationNs / 1e9));
            result.put("cycles_completed_each_second_incl_warmup", perSecond);
            // every cycle that completed between "measure begin" and "measure end": what the service's CPU is divided by
            result.put("cycles_in_window", windowCycles);
            result.put("slots_per_library", libs.drives + libs.extraSlots);
            result.put("status_every_s", args.integer("status-every-s", 2));
            result.put("status_rounds_in_window", libs.rounds.get() - windowRounds);
            result.put("rotate_seats", idle != null);
            result.put("unanswered", bus.inFlight());
            result.put("cycle_latency", Stats.summary(cycle));
            result.put("reserve_latency", Stats.summary(reserve));
            result.put("release_latency", Stats.summary(release));
        }
    }

    private void cycle(Seat s, ConcurrentLinkedQueue<Seat> idle, AtomicBoolean stop, long from, long to, AtomicLong cycles, Histogram cycle,
            Histogram reserve, Histogram release) {
        if (stop.get()) {
            return;
        }
        long t0 = System.nanoTime();
        call(reserveOf(s), (a, now) -> {
            if (!a.is("ready")) {
                // nothing should deny here; back off a little rather than spin
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                cycle(s, idle, stop, from, to, cycles, cycle, reserve, release);
                return;
            }
            long t1 = System.nanoTime();
            call(releaseOf(s, a.reservationId()), (r, t2) -> {
                cycles.incrementAndGet();
                if (t0 >= from && t2 <= to) {
                    Stats.recordNanos(cycle, t2 - t0);
                    Stats.recordNanos(reserve, now - t0);
                    Stats.recordNanos(release, t2 - t1);
                }
                Seat next = s;
                if (idle != null && !idle.isEmpty()) {
                    idle.add(s);
                    next = idle.poll();
                }
                cycle(next, idle, stop, from, to, cycles, cycle, reserve, release);
            });
        });
    }

    // ---------------------------------------------------------------- contention

    /** One job of the contention scenario. */
    private static final class Job {
        final int index;
        final int priority;
        final Owner owner;
        volatile String requestId;
        volatile long arrival = -1; // offset of its request in the requests partition: the order the service saw
        long sentAt;
        volatile long readyAt;
        volatile int grantOrder = -1;

        Job(int index, int priority) {
            this.index = index;
            this.priority = priority;
            this.owner = new Owner("job-" + index, "loadgen");
        }
    }

    /**
     * Jobs appending to one pool on a library of few drives, all asking at once and waiting in its queue (priority,
     * then arrival). Each holds its drive for --hold-ms, then releases. Overtaking is checked on the event order: when
     * a job is granted, no job of the same priority that arrived earlier may still be waiting (queued and not yet
     * granted), and no waiting job may have a better (lower) priority.
     */
    private void contention() throws Exception {
        int jobs = args.integer("jobs", 200);
        long holdMs = args.lng("hold-ms", 20);
        int[] priorities = java.util.Arrays.stream(args.str("priorities", "5,10,15").split(",")).mapToInt(Integer::parseInt).toArray();
        String pool = "bench";
        try (SyntheticLibraries libs = new SyntheticLibraries(bus, args.str("prefix", "con"), 1, args.integer("drives", 4), pool).start()) {
            String lib = libs.libraries.get(0);
            awaitLibraries(libs.libraries);
            List<Job> all = new ArrayList<>();
            Map<String, Job> byId = new ConcurrentHashMap<>();
            for (int i = 0; i < jobs; i++) {
                all.add(new Job(i, priorities[i % priorities.length]));
            }
            // the event-order check runs on the poll thread, in partition order
            Map<String, Job> waiting = new LinkedHashMap<>();
            AtomicInteger grants = new AtomicInteger();
            AtomicLong overtakes = new AtomicLong();
            AtomicLong priorityInversions = new AtomicLong();
            AtomicLong queuedEvents = new AtomicLong();
            List<String> violations = new ArrayList<>();
            bus.onEveryEvent((a, now, rec) -> {
                Job j = a.correlationId() == null ? null : byId.get(a.correlationId());
                if (j == null) {
                    return;
                }
                if (a.is("queued")) {
                    queuedEvents.incrementAndGet();
                    if (j.grantOrder < 0) {
                        waiting.putIfAbsent(j.requestId, j);
                    }
                } else if (a.is("granted")) {
                    j.grantOrder = grants.getAndIncrement();
                    waiting.remove(j.requestId);
                    for (Job w : waiting.values()) {
                        if (w.priority < j.priority) {
                            priorityInversions.incrementAndGet();
                            if (violations.size() < 20) {
                                violations.add("job " + j.index + " (priority " + j.priority + ") granted while job " + w.index
                                        + " (priority " + w.priority + ") waited");
                            }
                        } else if (w.priority == j.priority && w.arrival >= 0 && w.arrival < j.arrival) {
                            overtakes.incrementAndGet();
                            if (violations.size() < 20) {
                                violations.add("job " + j.index + " overtook job " + w.index + " (priority " + j.priority + ")");
                            }
                        }
                    }
                }
            });
            ScheduledExecutorService releaser = Executors.newScheduledThreadPool(1);
            CountDownLatch done = new CountDownLatch(jobs);
            Histogram waitAll = Stats.histogram();
            Map<Integer, Histogram> waitByPriority = new HashMap<>();
            for (int p : priorities) {
                waitByPriority.put(p, Stats.histogram());
            }
            long t0 = System.nanoTime();
            for (Job j : all) {
                ReserveRequest r = new ReserveRequest(lib, j.owner, "job-" + j.index, null, null, null, null, null, AccessMode.append, null,
                        pool, null, j.priority, 600_000L, null);
                String id = bus.newId();
                j.requestId = id;
                byId.put(id, j);
                j.sentAt = System.nanoTime();
                bus.request(id, r, (a, now, rec) -> {
                    if (a.is("queued") || a.is("granted")) {
                        return;
                    }
                    bus.done(id);
                    if (!a.is("ready")) {
                        denied.incrementAndGet();
                        denyReasons.computeIfAbsent(a.type() + ":" + a.errorReason(), k -> new AtomicLong()).incrementAndGet();
                        done.countDown();
                        return;
                    }
                    j.readyAt = now;
                    Stats.recordNanos(waitAll, now - j.sentAt);
                    Stats.recordNanos(waitByPriority.get(j.priority), now - j.sentAt);
                    releaser.schedule(() -> call(new ReleaseRequest(lib, a.reservationId(), j.owner, null), (rel, n2) -> done.countDown()),
                            holdMs, TimeUnit.MILLISECONDS);
                }, off -> j.arrival = off);
            }
            boolean finished = done.await(300, TimeUnit.SECONDS);
            long makespan = System.nanoTime() - t0;
            releaser.shutdownNow();
            result.put("library", lib);
            result.put("jobs", jobs);
            result.put("drives", libs.drives);
            result.put("hold_ms", holdMs);
            result.put("priorities", priorities);
            result.put("finished", finished);
            result.put("granted", grants.get());
            result.put("makespan_s", makespan / 1e9);
            result.put("queued_events", queuedEvents.get());
            result.put("overtakes_within_priority", overtakes.get());
            result.put("priority_inversions", priorityInversions.get());
            result.put("violations_sample", violations);
            result.put("wait", Stats.summary(waitAll));
            Map<String, Object> byP = new LinkedHashMap<>();
            waitByPriority.forEach((p, h) -> byP.put(String.valueOf(p), Stats.summary(h)));
            result.put("wait_by_priority", byP);
        }
    }

    // ---------------------------------------------------------------- failover probe

    /**
     * One worker per library cycling reserve/release with a short pause, logging every answer with wall-clock times and
     * the answering instance (the envelope's source). The harness kills an instance meanwhile and reads the log.
     * Prints {@code owner LIBRARY SOURCE} for each library and {@code steady} once all have answered.
     */
    private void probe() throws Exception {
        long durationNs = TimeUnit.SECONDS.toNanos(args.integer("duration-s", 40));
        long pauseMs = args.lng("pause-ms", 20);
        ConcurrentLinkedQueue<List<Object>> log = new ConcurrentLinkedQueue<>();
        Map<String, String> owners = new ConcurrentHashMap<>();
        ScheduledExecutorService sched = Executors.newScheduledThreadPool(1);
        try (SyntheticLibraries libs = libraries("fo", 8, 2, null)) {
            awaitLibraries(libs.libraries);
            AtomicBoolean stop = new AtomicBoolean();
            for (String lib : libs.libraries) {
                Seat s = new Seat(lib, 0, new Owner("probe-" + lib, "loadgen"));
                probeCycle(s, stop, pauseMs, sched, log, owners, libs.libraries.size());
            }
            long end = System.nanoTime() + durationNs;
            while (System.nanoTime() < end) {
                Thread.sleep(100);
            }
            stop.set(true);
            drain(TimeUnit.SECONDS.toNanos(20));
            sched.shutdownNow();
            result.put("libraries", libs.libraries);
            result.put("pause_ms", pauseMs);
            result.put("unanswered", bus.inFlight());
            result.put("answers", new ArrayList<>(log));
        }
    }

    private void probeCycle(Seat s, AtomicBoolean stop, long pauseMs, ScheduledExecutorService sched, ConcurrentLinkedQueue<List<Object>> log,
            Map<String, String> owners, int libraries) {
        if (stop.get()) {
            return;
        }
        long sentMs = System.currentTimeMillis();
        call(reserveOf(s), (a, now) -> {
            logAnswer(s, sentMs, a, log, owners, libraries);
            if (!a.is("ready")) {
                sched.schedule(() -> probeCycle(s, stop, pauseMs, sched, log, owners, libraries), pauseMs, TimeUnit.MILLISECONDS);
                return;
            }
            long relMs = System.currentTimeMillis();
            call(releaseOf(s, a.reservationId()), (r, n2) -> {
                logAnswer(s, relMs, r, log, owners, libraries);
                sched.schedule(() -> probeCycle(s, stop, pauseMs, sched, log, owners, libraries), pauseMs, TimeUnit.MILLISECONDS);
            });
        });
    }

    private static void logAnswer(Seat s, long sentMs, Answer a, ConcurrentLinkedQueue<List<Object>> log, Map<String, String> owners,
            int libraries) {
        log.add(List.of(s.library(), sentMs, System.currentTimeMillis(), a.type(), String.valueOf(a.source())));
        String before = owners.put(s.library(), String.valueOf(a.source()));
        if (!String.valueOf(a.source()).equals(before)) {
            System.out.println("owner " + s.library() + " " + a.source());
            if (before == null && owners.size() == libraries) {
                System.out.println("steady");
            }
            System.out.flush();
        }
    }
}
