package io.drivebus.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.stack.KafkaBroker;
import io.drivebus.stack.Ports;
import io.drivebus.stack.Postgres;
import io.drivebus.stack.Processes;
import io.drivebus.stack.ServiceProcess;
import io.drivebus.stack.TopicSetup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What {@code bench/run.sh} runs: brings up the pieces each scenario needs (the real Kafka broker, topics, one or two
 * reservation-service instances; PostgreSQL and the inventory-service for the footprint and the inventory scenarios;
 * a device-agent for the footprint), runs every scenario with the load generator in its own JVM, and writes
 * docs/benchmarks.md and docs/benchmarks.json.
 *
 * <p>Options: {@code --quick} (short runs, for a smoke test of the harness itself), {@code --only a,b} (scenario
 * names: footprint, inventory-lookup, inventory-lag, latency, latency-curve, throughput, amanda, contention, sweep,
 * scale, scale-instances, failover, failover-3s, ceiling, latency-floor), {@code --work DIR}, {@code --docs DIR}, {@code --partitions N},
 * {@code --failover-rounds N}, {@code --sweep-rate N} (the sweep's open-loop rate), {@code --status-every-s N} (how often
 * the latency scenarios' synthetic libraries publish their status; 2), {@code --scale-settings a,b} (only
 * those rows of scale, by their prefixes: scl1x4x10 …), {@code --merge} (keep the other
 * scenarios of the last docs/benchmarks.json),
 * {@code --report-only} (rewrite benchmarks.md from benchmarks.json).
 *
 * <p>{@code amanda} runs Amanda's changer (bench/amanda) in the same run as {@code latency} and {@code throughput},
 * which it therefore also runs, and reports the ratio; without Amanda installed it is recorded as skipped.
 *
 * <p>{@code scale} is the cost per reservation from 1 to 1,000 libraries, 10 to 10,000 slots and 4 to 128 drives per
 * library: the service's CPU per closed-loop cycle, and beside it the broker-free ProcessorCost of the same settings.
 *
 * <p>{@code ceiling} runs the throughput scenario's closed loop against {@link EchoReservations} instead of the
 * service: what this machine lets through when nothing is decided. It runs last, with the service stopped.
 *
 * <p>Correctness under failure is not measured here: the chaos harness and the malformed-input corpus are in system-tests.
 */
@SuppressWarnings("unchecked")
public final class Harness {
    static final String RS = "reservation-service";
    static final String INVENTORY = "inventory-service";
    /** The scenarios that need a reservation-service instance (the others do without starting one). */
    static final List<String> RS_SCENARIOS = List.of("latency", "latency-curve", "throughput", "amanda", "contention", "sweep",
            "scale", "scale-instances", "failover", "failover-3s", "ceiling", "latency-floor");
    /** Amanda's Perl modules are not on Perl's default @INC; its own tools add this directory. */
    static final String AMANDA_PERL = "/usr/lib/x86_64-linux-gnu/amanda/perl";
    static final String AMANDA_CONFIG = "drivebus-bench";

    private final Args args;
    private final boolean quick;
    private final Path root = ServiceProcess.repositoryRoot();
    private final Path work;
    private final Path docs;
    private final List<String> only;
    private final ObjectMapper json = MessageCodec.newObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Map<String, Object> report = new LinkedHashMap<>();
    private final Map<String, Object> scenarios = new LinkedHashMap<>();
    private final Map<String, ServiceProcess> instances = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> instanceOverrides = new LinkedHashMap<>();
    private KafkaBroker broker;
    /** PostgreSQL and the inventory-service of the inventory scenarios (the footprint starts its own). */
    private Postgres inventoryDb;
    private ServiceProcess inventory;
    /** The ceiling scenario's echo application, while it runs. */
    private Process echo;

    private Harness(Args args) {
        this.args = args;
        this.quick = args.flag("quick");
        this.work = Path.of(args.str("work", root.resolve("bench/target/bench-run").toString())).toAbsolutePath();
        this.docs = Path.of(args.str("docs", root.resolve("docs").toString())).toAbsolutePath();
        this.only = args.all().containsKey("only") ? List.of(args.str("only", "").split(",")) : null;
    }

    public static void main(String[] argv) throws Exception {
        Harness h = new Harness(new Args(argv, 0));
        Runtime.getRuntime().addShutdownHook(new Thread(h::stopAll, "bench-stop"));
        try {
            h.run();
        } finally {
            h.stopAll();
        }
        System.exit(0);
    }

    private boolean wants(String scenario) {
        return only == null || only.contains(scenario);
    }

    private void run() throws Exception {
        if (args.flag("report-only")) {
            // rewrite docs/benchmarks.md from docs/benchmarks.json, e.g. after the report's layout changed
            Files.writeString(docs.resolve("benchmarks.md"), Report.markdown(json.readTree(docs.resolve("benchmarks.json").toFile())));
            return;
        }
        deleteTree(work);
        Files.createDirectories(work);
        report.put("generated_at", Instant.now().toString());
        report.put("quick", quick);
        report.put("machine", machine());
        int partitions = args.integer("partitions", 4);
        report.put("partitions", partitions);
        report.put("reservation_service_settings", serviceSettings());
        report.put("scenarios", scenarios);
        if (args.flag("merge") && Files.exists(docs.resolve("benchmarks.json"))) {
            Map<String, Object> old = json.readValue(docs.resolve("benchmarks.json").toFile(), LinkedHashMap.class);
            scenarios.putAll((Map<String, Object>) old.getOrDefault("scenarios", Map.of()));
            // the services this run does not start keep the merged run's figure (this run's replace it)
            if (old.get("rss_after_load_mib") instanceof Map<?, ?> rss) {
                report.put("rss_after_load_mib", new LinkedHashMap<>((Map<String, Object>) rss));
            }
            report.put("merged_from_run_of", old.get("generated_at"));
            report.put("machine_of_merged_run", old.get("machine"));
        }
        log("starting Kafka");
        broker = KafkaBroker.start(work.resolve("kafka"), 0);
        // the synthetic libraries' host has no agent to create its command topic
        TopicSetup.ensureTopics(broker.bootstrap(), partitions, Map.of(), SyntheticLibraries.HOST);
        Map<String, Object> brokerSettings = new LinkedHashMap<>(Map.of("version", "4.3.1 (KRaft, one node, 127.0.0.1)", "heap", "-Xms256m -Xmx768m",
                "notable", "group.min.session.timeout.ms 1000 (default 6000); transaction abort check every 500 ms (default 10000); "
                        + "add.partitions.to.txn.retry.backoff.ms 1 (default 20)"));
        String overrides = System.getenv("DRIVEBUS_BROKER_CONFIG");
        if (overrides != null && !overrides.isBlank()) {
            brokerSettings.put("overrides", overrides);
        }
        report.put("broker", brokerSettings);

        if (wants("footprint")) {
            guard("footprint", this::footprint);
        }
        if (wants("inventory-lookup") || wants("inventory-lag")) {
            // the footprint's reservation-service would take the scenarios' device results as its agents' and share the
            // cores with the projection; the scenarios after these start it again
            instances.values().forEach(ServiceProcess::close);
        }
        if (wants("inventory-lookup")) {
            // first, so the lag is then measured on a database of realistic size
            guard("inventory-lookup", this::inventoryLookup);
        }
        if (wants("inventory-lag")) {
            guard("inventory-lag", this::inventoryLag);
        }
        if (inventory != null) {
            recordFootprintAfterLoad(INVENTORY, inventory);
            stopInventory(); // its cores and memory back for the reservation-service scenarios
        }
        if (only != null && only.stream().noneMatch(RS_SCENARIOS::contains)) {
            ((Map<String, Object>) report.get("machine")).put("load_average_at_end", sh("cat /proc/loadavg"));
            writeReports();
            return;
        }
        if (only == null || only.stream().anyMatch(s -> RS_SCENARIOS.contains(s) && !s.startsWith("ceiling") && !s.equals("latency-floor"))) {
            ensureInstance("rs-a");
        }
        // Amanda side by side needs drivebus' latency and throughput of the same run
        boolean amanda = wants("amanda");
        if (wants("latency") || amanda) {
            guard("latency", () -> latency("latency", Map.of(), quick ? 8 : 30));
        }
        if (wants("latency-curve")) {
            for (int rate : List.of(20, 100, 250)) {
                guard("latency-" + rate, () -> latency("latency-at-" + rate + "-per-s", Map.of(), quick ? 6 : 15, rate));
            }
        }
        if (wants("throughput") || amanda) {
            guard("throughput", () -> throughput("throughput", quick ? 8 : 30, quick ? 128 : 512, "thr"));
        }
        if (amanda) {
            guard("amanda", this::amanda);
        }
        if (wants("contention")) {
            guard("contention", this::contention);
        }
        if (wants("sweep")) {
            guard("sweep", this::sweep);
        }
        if (wants("scale")) {
            // before scale-instances: one instance, as throughput has it
            guard("scale", this::scale);
        }
        if (wants("scale-instances")) {
            guard("scale-instances", () -> scaleInstances(partitions));
        }
        if (wants("failover")) {
            guard("failover", () -> failover("failover", Map.of(), args.integer("failover-rounds", quick ? 1 : 3)));
        }
        if (wants("failover-3s")) {
            // the previous takeover settings, for comparison: what the 2 s session and transaction timeouts buy
            guard("failover-3s", () -> failover("failover-3s", Map.of("producer.transaction.timeout.ms", "3000",
                    "consumer.session.timeout.ms", "3000", "consumer.heartbeat.interval.ms", "750"), args.integer("failover-rounds", quick ? 1 : 3)));
        }
        for (String name : List.copyOf(instances.keySet())) {
            recordFootprintAfterLoad(name, instances.get(name));
        }
        if (wants("ceiling") || wants("latency-floor")) {
            // last: it stops the service, whose memory after the load was just recorded
            guard("ceiling", () -> ceiling(wants("ceiling")));
        }
        ((Map<String, Object>) report.get("machine")).put("load_average_at_end", sh("cat /proc/loadavg"));
        writeReports();
    }

    private interface Step {
        void run() throws Exception;
    }

    /** A scenario that fails is recorded as failed with its reason; the others still run. */
    private void guard(String name, Step step) {
        log("scenario " + name);
        scenarios.remove(name); // a merged older figure of the same scenario
        try {
            step.run();
        } catch (Exception | Error e) {
            e.printStackTrace();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("error", String.valueOf(e));
            scenarios.putIfAbsent(name, m);
        }
    }

    // ---------------------------------------------------------------- services

    private ServiceProcess startInstance(String name, Map<String, String> overrides) {
        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("kafka.bootstrap.servers", broker.bootstrap());
        cfg.put("kafka-streams.state.dir", work.resolve("streams-" + name).toString());
        // the envelope's source names the instance, so the load generator can tell who answered
        cfg.put("kafka-streams.client.id", name);
        cfg.put("drivebus.reservation.tick-interval", "250ms");
        overrides.forEach((k, v) -> cfg.put("kafka-streams." + k, v));
        ServiceProcess p = new ServiceProcess(RS, Ports.free(), cfg, work.resolve("logs"), name).start();
        instances.put(name, p);
        instanceOverrides.put(name, overrides);
        return p;
    }

    /** Starts the instance (no overrides) unless it runs; returns ms to ready, or -1 if it was running. */
    private long ensureInstance(String name) {
        ServiceProcess p = instances.get(name);
        if (p != null && p.isAlive() && instanceOverrides.get(name).isEmpty()) {
            return -1;
        }
        if (p != null) {
            p.close();
        }
        return timedStart(name, Map.of());
    }

    private long timedStart(String name, Map<String, String> overrides) {
        long t0 = System.nanoTime();
        startInstance(name, overrides).awaitReady(Duration.ofSeconds(180));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        log(name + " ready in " + ms + " ms" + (overrides.isEmpty() ? "" : " with " + overrides));
        return ms;
    }

    private void restartWith(String name, Map<String, String> overrides) {
        ServiceProcess p = instances.get(name);
        if (p != null) {
            p.close();
        }
        timedStart(name, overrides);
    }

    private void stopAll() {
        for (ServiceProcess p : instances.values()) {
            try {
                p.close();
            } catch (RuntimeException e) {
                System.err.println("stopping " + p + ": " + e);
            }
        }
        instances.clear();
        if (echo != null) {
            echo.destroyForcibly();
        }
        stopInventory();
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    // ---------------------------------------------------------------- load generator

    /** Runs the load generator in its own JVM; returns its JSON result with the CPU the pieces used meanwhile. */
    private Map<String, Object> loadgen(String name, String mode, List<String> options, LineWatcher watcher) throws Exception {
        Path out = work.resolve("results").resolve(name + ".json");
        // DRIVEBUS_LOADGEN_JVM_OPTS: e.g. a profiler for one run, as ServiceProcess takes DRIVEBUS_SERVICE_JVM_OPTS
        List<String> cmd = java(List.of("-Xms256m", "-Xmx768m", "-XX:+UseParallelGC"), "DRIVEBUS_LOADGEN_JVM_OPTS", LoadGen.class);
        cmd.add(mode);
        cmd.add("--bootstrap");
        cmd.add(broker.bootstrap());
        cmd.add("--out");
        cmd.add(out.toString());
        cmd.addAll(options);
        Map<String, Double> cpu0 = cpuOfPieces();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        long loadgenPid = p.pid();
        // a closed loop's measured window, as the load generator marks it: every piece's CPU at its edges
        List<Map<String, Double>> windowCpu = new ArrayList<>();
        long[] windowNanos = new long[2];
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                System.out.println("  | " + line);
                if (line.equals("measure begin") || line.equals("measure end")) {
                    Map<String, Double> now = cpuOfPieces();
                    now.put("loadgen", Proc.cpuSeconds(loadgenPid));
                    windowCpu.add(now);
                    windowNanos[windowCpu.size() == 1 ? 0 : 1] = System.nanoTime();
                }
                if (watcher != null) {
                    watcher.line(line);
                }
            }
        }
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("load generator " + name + " failed (exit " + (p.isAlive() ? "?" : p.exitValue()) + ")");
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> res = json.readValue(out.toFile(), LinkedHashMap.class);
        Map<String, Double> cpu1 = cpuOfPieces();
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu1.forEach((k, v) -> {
            Double before = cpu0.get(k);
            if (before != null && before >= 0 && v >= 0) {
                cpu.put(k + "_cpu_s", Math.round((v - before) * 100) / 100.0);
            }
        });
        cpu.put("loadgen_cpu_s", res.get("loadgen_cpu_s"));
        cpu.put("wall_s", Math.round(wall * 10) / 10.0);
        cpu.put("loadgen_pid", loadgenPid);
        res.put("cpu_during_run", cpu);
        if (windowCpu.size() == 2 && num(res.get("cycles_in_window")) > 0) {
            res.put("cpu_in_window", cpuPerCycle(windowCpu.get(0), windowCpu.get(1), (windowNanos[1] - windowNanos[0]) / 1e9,
                    (long) num(res.get("cycles_in_window"))));
        }
        return res;
    }

    /** A JVM on this one's classpath: its options, those in the environment variable {@code envOptions}, the main class. */
    private static List<String> java(List<String> options, String envOptions, Class<?> main) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options);
        cmd.addAll(Processes.jvmOptions(envOptions));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        return cmd;
    }

    /**
     * Each piece's CPU over a closed loop's measured window, per cycle completed in it, and the cores all of them used:
     * where a cycle's cost goes.
     */
    static Map<String, Object> cpuPerCycle(Map<String, Double> begin, Map<String, Double> end, double windowS, long cycles) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("window_s", Math.round(windowS * 100) / 100.0);
        m.put("cycles", cycles);
        Map<String, Object> perCycle = new LinkedHashMap<>();
        double total = 0;
        for (Map.Entry<String, Double> e : end.entrySet()) {
            Double b = begin.get(e.getKey());
            if (b == null || b < 0 || e.getValue() < 0) {
                continue;
            }
            double s = e.getValue() - b;
            total += s;
            perCycle.put(e.getKey(), Math.round(s * 1e6 / cycles * 10) / 10.0);
        }
        perCycle.put("total", Math.round(total * 1e6 / cycles * 10) / 10.0);
        m.put("cpu_us_per_cycle", perCycle);
        m.put("cores_used", Math.round(total / windowS * 100) / 100.0);
        return m;
    }

    private interface LineWatcher {
        void line(String line) throws Exception;
    }

    private Map<String, Double> cpuOfPieces() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("broker", Proc.cpuSeconds(broker.pid()));
        instances.forEach((n, p) -> {
            if (p.isAlive()) {
                m.put(n, Proc.cpuSeconds(p.pid()));
            }
        });
        if (echo != null && echo.isAlive()) {
            m.put("echo", Proc.cpuSeconds(echo.pid()));
        }
        if (inventory != null && inventory.isAlive()) {
            m.put(INVENTORY, Proc.cpuSeconds(inventory.pid()));
            // the postmaster, its live backends, and the backends that already exited
            m.put("postgres", Proc.cpuSecondsOfTree(postmasterPid(work.resolve("postgres-inventory"))));
        }
        return m;
    }

    // ---------------------------------------------------------------- scenarios

    /**
     * Warm-up of the open-loop scenarios, ramping up to their rate: in the first 20 s of a run each JVM (broker,
     * service, load generator) spent 8-10 s compiling (JFR), which is start-up, not the steady state measured here.
     */
    static final int LATENCY_WARMUP_S = 30;
    /**
     * Warm-up of the closed-loop throughput runs. Started cold (`--only throughput`, or scale-instances' fresh JVMs), the
     * cycles completed per second climbed from ~250 to ~1,200 over the first 30 s; with 5 s the figure measured the JIT.
     */
    static final int THROUGHPUT_WARMUP_S = 30;
    static final int SWEEP_RATE = 100;

    private void latency(String name, Map<String, String> settings, int seconds) throws Exception {
        latency(name, settings, seconds, 500);
    }

    /** 128 libraries × 4 drives: 512 free drives, so at 500 req/s the open loop waits for a drive only if answers take > 1 s. */
    private void latency(String name, Map<String, String> settings, int seconds, int rate) throws Exception {
        Map<String, Object> r = loadgen(name, "open", latencyOptions(name, seconds, rate), null);
        Map<?, ?> lat = (Map<?, ?>) r.get("grant_latency_corrected");
        double p50 = num(lat.get("p50_ms"));
        double p99 = num(lat.get("p99_ms"));
        Map<String, Object> s = scenario(name, "grant latency, free drive, no motion, open loop " + rate + " reserves/s (each then released) after a "
                + (quick ? 2 : LATENCY_WARMUP_S) + " s ramp-up, CO-corrected",
                rate == 500 ? "p50 ≤ 5 ms, p99 ≤ 25 ms at 500 req/s" : "report (latency against rate)", lat, num(r.get("throughput_per_s")),
                "grants/s", p50 <= 5 && p99 <= 25 && num(r.get("unanswered")) == 0 && num(r.get("throughput_per_s")) >= 0.98 * rate);
        s.put("service_settings_overrides", settings);
        s.put("raw", r);
    }

    private List<String> latencyOptions(String name, int seconds, int rate) {
        return List.of("--rate", String.valueOf(rate), "--duration-s", String.valueOf(seconds), "--warmup-s",
                quick ? "2" : String.valueOf(LATENCY_WARMUP_S), "--libraries", "128", "--drives", "4", "--prefix", name.replaceAll("[^a-z0-9]", ""),
                "--status-every-s", String.valueOf(args.integer("status-every-s", 2)));
    }

    private void throughput(String name, int seconds, int concurrency, String prefix) throws Exception {
        int alive = instancesAlive();
        Map<String, Object> r = loadgen(name, "closed", throughputOptions(seconds, concurrency, prefix), null);
        double cps = num(r.get("cycles_per_s"));
        Map<String, Object> s = scenario(name, "reserve+release cycles, closed loop, " + concurrency + " in flight, " + alive
                + " instance(s)", alive == 1 ? "≥ 16,000 cycles/s through one instance" : "scaling (report)", (Map<?, ?>) r.get("cycle_latency"),
                cps, "cycles/s", cps >= 16000 * alive);
        s.put("raw", r);
    }

    /** The throughput scenario's closed loop: 64 libraries × 8 drives. */
    private List<String> throughputOptions(int seconds, int concurrency, String prefix) {
        return List.of("--concurrency", String.valueOf(concurrency), "--duration-s", String.valueOf(seconds), "--warmup-s",
                quick ? "2" : String.valueOf(THROUGHPUT_WARMUP_S), "--libraries", "64", "--drives", "8", "--prefix", prefix);
    }

    /**
     * The throughput scenario against {@link EchoReservations} at each of its levels of state, and the latency
     * scenario against the one that answers each request once: the same load generator, broker, topics and Streams
     * settings, and nothing decided. What they reach is this machine's ceiling (and floor) for the scenarios, which the
     * service's figures can be read against.
     *
     * @param throughput false: only the latency floor ({@code --only latency-floor})
     */
    private void ceiling(boolean throughput) throws Exception {
        instances.values().forEach(ServiceProcess::close);
        instances.clear();
        instanceOverrides.clear();
        for (EchoReservations.State state : EchoReservations.State.values()) {
            if (!throughput && state != EchoReservations.State.ANSWERED_ONCE) {
                continue;
            }
            String name = "throughput-ceiling-" + state.name;
            echo = startEcho(name, state);
            try {
                if (state == EchoReservations.State.ANSWERED_ONCE) {
                    // first, as the service's latency run comes first after its start
                    String lname = "latency-floor-answered-once";
                    Map<String, Object> l = loadgen(lname, "open", latencyOptions(lname, quick ? 8 : 30, 500), null);
                    Map<String, Object> ls = scenario(lname, "the latency scenario (open loop 500 reserves/s, each then released, after a "
                            + (quick ? 2 : LATENCY_WARMUP_S) + " s ramp-up, CO-corrected) against the echo that answers each request once",
                            "reference: this machine's floor for the grant latency at 500/s", (Map<?, ?>) l.get("grant_latency_corrected"),
                            num(l.get("throughput_per_s")), "grants/s", true);
                    ls.remove("pass");
                    ls.put("raw", l);
                }
                if (!throughput) {
                    continue;
                }
                Map<String, Object> r = loadgen(name, "closed", throughputOptions(quick ? 8 : 30, quick ? 128 : 512, "ce" + state.ordinal()), null);
                Map<String, Object> s = scenario(name, "the throughput scenario (closed loop, 512 in flight) against an echo: a Kafka Streams "
                        + "application with the service's Streams settings that answers every reserve granted + ready and every release "
                        + "released, deciding nothing; " + switch (state) {
                            case NONE -> "no state";
                            case RESERVATIONS -> "each reservation kept in one RocksDB store with a changelog";
                            case ANSWERED_ONCE -> "each reservation kept, and each request id in a second store, looked up first so that "
                                    + "a request sent twice is answered once";
                        },
                        "reference: this machine's ceiling for the throughput scenario", (Map<?, ?>) r.get("cycle_latency"), num(r.get("cycles_per_s")),
                        "cycles/s", true);
                s.remove("pass");
                s.put("raw", r);
            } finally {
                echo.destroy();
                if (!echo.waitFor(15, TimeUnit.SECONDS)) {
                    echo.destroyForcibly();
                }
                echo = null;
            }
        }
    }

    private Process startEcho(String name, EchoReservations.State state) throws Exception {
        // the heap and collector ServiceProcess gives the service
        List<String> cmd = java(List.of("-Xmx384m", "-XX:+UseSerialGC"), "DRIVEBUS_SERVICE_JVM_OPTS", EchoReservations.class);
        cmd.add("--bootstrap");
        cmd.add(broker.bootstrap());
        cmd.add("--state-dir");
        cmd.add(work.resolve("streams-" + name).toString());
        cmd.add("--service-properties");
        cmd.add(root.resolve(RS).resolve("src/main/resources/application.properties").toString());
        cmd.add("--state");
        cmd.add(state.name);
        Path log = work.resolve("logs").resolve(name + ".log");
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(log).contains("echo running")) {
            if (!p.isAlive() || System.nanoTime() > until) {
                p.destroyForcibly();
                throw new IllegalStateException("the echo did not start: see " + log);
            }
            Thread.sleep(100);
        }
        log(name + ": echo running");
        return p;
    }

    private void contention() throws Exception {
        Map<String, Object> r = loadgen("contention", "contention", List.of("--jobs", "200", "--drives", "4", "--hold-ms", "20",
                "--priorities", "5,10,15", "--prefix", "con"), null);
        long overtakes = (long) num(r.get("overtakes_within_priority"));
        long inversions = (long) num(r.get("priority_inversions"));
        boolean ok = Boolean.TRUE.equals(r.get("finished")) && overtakes == 0 && inversions == 0 && num(r.get("granted")) == 200;
        Map<String, Object> s = scenario("contention", "200 append jobs on 4 drives, priorities 5/10/15, hold 20 ms; wait = send to ready",
                "zero overtaking within a priority (and no better priority passed over)", (Map<?, ?>) r.get("wait"),
                200 / Math.max(1e-9, num(r.get("makespan_s"))), "jobs/s", ok);
        s.put("overtakes_within_priority", overtakes);
        s.put("priority_inversions", inversions);
        s.put("raw", r);
    }

    /**
     * Latency and throughput under other commit intervals, to show the trade-off; the service's defaults stay. Answers
     * are read before the commit, so the interval is in a grant's path only where a commit stalls the stream thread;
     * its latency is measured at {@link #SWEEP_RATE} by default, below this machine's saturation, where such stalls
     * show; {@code --sweep-rate 500} shows what the interval costs at the goal's rate.
     */
    private void sweep() throws Exception {
        Map<String, Map<String, String>> variants = new LinkedHashMap<>();
        for (String ci : quick ? List.of("50") : List.of("20", "100", "500", "1000")) {
            variants.put("commit-" + ci, Map.of("commit.interval.ms", ci));
        }
        // no transactions at all, for comparison only: it would lose the exactly-once guarantee
        variants.put("at-least-once", Map.of("processing.guarantee", "at_least_once"));
        for (Map.Entry<String, Map<String, String>> v : variants.entrySet()) {
            restartWith("rs-a", v.getValue());
            latency("sweep-latency-" + v.getKey(), v.getValue(), quick ? 6 : 15, args.integer("sweep-rate", SWEEP_RATE));
            throughput("sweep-throughput-" + v.getKey(), quick ? 6 : 12, quick ? 128 : 512, "sw" + v.getKey().replaceAll("[^a-z0-9]", ""));
            ((Map<String, Object>) scenarios.get("sweep-throughput-" + v.getKey())).put("service_settings_overrides", v.getValue());
        }
        restartWith("rs-a", Map.of());
    }

    /**
     * Two instances; the probe cycles reserve/release on a few libraries; the instance answering for the first
     * library is killed with kill -9; failover = kill to the next answer for any library that instance owned.
     */
    private void failover(String scenarioName, Map<String, String> overrides, int rounds) throws Exception {
        for (String n : List.of("rs-a", "rs-b")) {
            if (overrides.isEmpty()) {
                ensureInstance(n);
            } else {
                restartWith(n, overrides);
            }
        }
        Thread.sleep(5000);
        List<Map<String, Object>> results = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            AtomicReference<String> killed = new AtomicReference<>();
            AtomicReference<Long> killedAt = new AtomicReference<>();
            Map<String, String> owners = new java.util.concurrent.ConcurrentHashMap<>();
            Thread[] killer = new Thread[1];
            int duration = quick ? 25 : 30;
            Map<String, Object> r = loadgen(scenarioName + "-" + round, "probe", List.of("--libraries", "8", "--duration-s",
                    String.valueOf(duration), "--pause-ms", "20", "--prefix", overrides.isEmpty() ? "fo" : "fot"), line -> {
                        if (line.startsWith("owner ")) {
                            String[] f = line.split(" ");
                            if (killed.get() == null) {
                                owners.put(f[1], f[2]);
                            }
                        } else if (line.equals("steady") && killer[0] == null) {
                            killer[0] = new Thread(() -> {
                                sleep(5000);
                                String src = owners.values().iterator().next();
                                String name = src.substring(src.indexOf('/') + 1);
                                ServiceProcess victim = instances.get(name);
                                if (victim == null) {
                                    log("no instance named " + name);
                                    return;
                                }
                                killed.set(name);
                                killedAt.set(System.currentTimeMillis());
                                log("kill -9 " + name + " (pid " + victim.pid() + ")");
                                victim.kill();
                            });
                            killer[0].start();
                        }
                    });
            if (killer[0] != null) {
                killer[0].join();
            }
            results.add(failoverRound(r, owners, killed.get(), killedAt.get()));
            if (killed.get() != null) {
                timedStart(killed.get(), overrides); // back to two for the next round
                Thread.sleep(5000);
            }
        }
        List<Double> times = new ArrayList<>();
        for (Map<String, Object> m : results) {
            if (m.get("failover_s") != null) {
                times.add(num(m.get("failover_s")));
            }
        }
        double worst = times.stream().mapToDouble(d -> d).max().orElse(Double.NaN);
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("p50_ms", times.isEmpty() ? null : 1000 * times.stream().sorted().toList().get(times.size() / 2));
        lat.put("max_ms", times.isEmpty() ? null : 1000 * worst);
        Map<String, Object> s = scenario(scenarioName, "kill -9 of the instance owning a library, 2 instances, standby replicas 1, "
                + rounds + " round(s); time from the kill to the first answer of the new owner" + (overrides.isEmpty() ? "" : "; service with " + overrides), "≤ 5 s",
                lat, Double.NaN, "", !times.isEmpty() && worst <= 5.0 && times.size() == rounds);
        s.put("rounds", results);
        s.put("service_settings_overrides", overrides);
    }

    private Map<String, Object> failoverRound(Map<String, Object> r, Map<String, String> ownersBefore, String killed, Long killedAt) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("killed", killed);
        m.put("killed_at_epoch_ms", killedAt);
        m.put("owners_before", ownersBefore);
        if (killed == null) {
            m.put("error", "no kill happened (load generator never steady)");
            return m;
        }
        List<String> owned = new ArrayList<>();
        ownersBefore.forEach((lib, src) -> {
            if (src.endsWith("/" + killed)) {
                owned.add(lib);
            }
        });
        // answers the killed instance committed just before it died still arrive after the kill: the failover ends
        // with the first answer from another instance
        long firstAfter = Long.MAX_VALUE;
        long lastBefore = 0;
        long lastFromKilled = 0;
        Map<String, Long> perLibrary = new LinkedHashMap<>();
        Map<String, String> newOwner = new LinkedHashMap<>();
        for (Object o : (List<?>) r.get("answers")) {
            List<?> a = (List<?>) o;
            String lib = (String) a.get(0);
            long answered = ((Number) a.get(2)).longValue();
            String src = (String) a.get(4);
            if (!owned.contains(lib)) {
                continue;
            }
            if (answered <= killedAt) {
                lastBefore = Math.max(lastBefore, answered);
            } else if (src.endsWith("/" + killed)) {
                lastFromKilled = Math.max(lastFromKilled, answered);
            } else {
                firstAfter = Math.min(firstAfter, answered);
                perLibrary.merge(lib, answered - killedAt, Math::min);
                newOwner.putIfAbsent(lib, src);
            }
        }
        m.put("libraries_of_killed_instance", owned);
        m.put("last_answer_before_kill_ms", lastBefore == 0 ? null : killedAt - lastBefore);
        m.put("answers_of_killed_instance_arriving_after_kill_until_ms", lastFromKilled == 0 ? null : lastFromKilled - killedAt);
        m.put("failover_s", firstAfter == Long.MAX_VALUE ? null : (firstAfter - killedAt) / 1000.0);
        m.put("per_library_ms_to_first_answer_of_new_owner", perLibrary);
        m.put("new_owners", newOwner);
        // the answers of the killed instance's libraries around the takeover: [library, sent, answered (ms from the kill), type, source]
        List<List<Object>> around = new ArrayList<>();
        long until = firstAfter == Long.MAX_VALUE ? killedAt + 20_000 : firstAfter + 500;
        for (Object o : (List<?>) r.get("answers")) {
            List<?> a = (List<?>) o;
            long answered = ((Number) a.get(2)).longValue();
            if (owned.contains(a.get(0)) && answered >= killedAt - 500 && answered <= until) {
                around.add(List.of(a.get(0), ((Number) a.get(1)).longValue() - killedAt, answered - killedAt, a.get(3), a.get(4)));
            }
        }
        m.put("answers_around_kill", around);
        m.put("unanswered_at_end", r.get("unanswered"));
        m.put("denied", r.get("denied"));
        return m;
    }

    // ---------------------------------------------------------------- scale

    /** The broker's message.max.bytes when not set (KafkaBroker does not): 1 MiB plus the record batch overhead. */
    static final int BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
    /** A producer's max.request.size when not set (the load generator's and the service's): it bounds one record too. */
    static final int PRODUCER_DEFAULT_MAX_REQUEST_SIZE = 1_048_576;
    static final int SCALE_DRIVES = 4;
    static final int SCALE_SLOT_SWEEP_LIBRARIES = 16;
    /** Slots beyond the drives' own in the drive sweep, so that its first row is the slot sweep's first. */
    static final int SCALE_DRIVE_SWEEP_EXTRA_SLOTS = 6;
    static final int SCALE_MAX_IN_FLIGHT = 256;
    /** Within this factor of the smallest setting's cost, the largest's counts as flat. */
    static final double FLAT_WITHIN = 2.0;

    /** One row of the scale table: what was swept and the library shape. */
    record ScaleSetting(String sweep, int libraries, int drives, int slotsPerLibrary) {
        /** The same for every setting of the drive sweep: only the library's size changes, not the work in flight. */
        int inFlight() {
            return Math.min(libraries * SCALE_DRIVES, SCALE_MAX_IN_FLIGHT);
        }

        int extraSlots() {
            return slotsPerLibrary - drives;
        }

        String prefix() {
            return "sc" + sweep.charAt(0) + libraries + "x" + drives + "x" + slotsPerLibrary;
        }
    }

    static List<ScaleSetting> scaleSettings() {
        List<ScaleSetting> s = new ArrayList<>();
        // libraries of 10 slots, the slot sweep's smallest, so both sweeps start from the same library
        for (int l : List.of(1, 10, 100, 1000)) {
            s.add(new ScaleSetting("libraries", l, SCALE_DRIVES, 10));
        }
        for (int slots : List.of(10, 100, 1000, 10_000)) {
            s.add(new ScaleSetting("slots", SCALE_SLOT_SWEEP_LIBRARIES, SCALE_DRIVES, slots));
        }
        // not in issue 7's list, but a large library has dozens of drives
        for (int drives : List.of(SCALE_DRIVES, 16, 64, 128)) {
            s.add(new ScaleSetting("drives", SCALE_SLOT_SWEEP_LIBRARIES, drives, drives + SCALE_DRIVE_SWEEP_EXTRA_SLOTS));
        }
        return s;
    }

    /** Bytes of one library's status envelope as the load generator publishes it. */
    static int statusBytes(ScaleSetting st) {
        SyntheticLibraries libs = new SyntheticLibraries(null, st.prefix(), 1, st.drives(), null, st.extraSlots(), 30);
        return MessageCodec.get().encode(io.drivebus.schemas.Envelope.of("bench/synthetic-agent", null,
                libs.status(libs.libraries.get(0), System.currentTimeMillis()))).length;
    }

    /**
     * Cost per reservation against scale: closed-loop reserve+release cycles through one instance with 1 → 1,000
     * libraries (4 drives each, at most 256 in flight) and 10 → 10,000 slots per library (16 libraries); the
     * instance's CPU seconds between the load generator's "measure begin" and "measure end" ÷ the cycles completed
     * between them. Then the broker-free ProcessorCost of each setting, which counts only its thread's CPU time
     * and so holds on a busy machine.
     */
    private void scale() throws Exception {
        for (String other : List.copyOf(instances.keySet())) {
            if (!other.equals("rs-a")) {
                instances.remove(other).close(); // one instance, so its CPU is all the deciding
            }
        }
        boolean fresh = ensureInstance("rs-a") >= 0;
        int seconds = quick ? 5 : 20;
        int warmup = quick ? 2 : 5;
        if (fresh) {
            // a just-started JVM would charge its JIT to the first row
            loadgen("scale-jit-warmup", "closed", List.of("--concurrency", "128", "--duration-s", quick ? "3" : "10", "--warmup-s", "0",
                    "--libraries", "32", "--drives", "4", "--prefix", "scwarm"), null);
        }
        Map<String, Object> raw = new LinkedHashMap<>();
        // what the instance burns with nothing to decide (Streams' 5 ms poll loop, the 250 ms tick): at a few cycles/s
        // it is most of the cost per cycle, so each row also shows the cost above it
        double idleCpuPerS = idleCpuPerSecond(instances.get("rs-a"), quick ? 3 : 10);
        raw.put("service_idle_cpu_s_per_s", Math.round(idleCpuPerS * 1000) / 1000.0);
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("codec_max_message_bytes", MessageCodec.MAX_MESSAGE_BYTES);
        limits.put("broker_message_max_bytes", BROKER_DEFAULT_MAX_MESSAGE_BYTES + " (default; the bench's broker does not set it)");
        limits.put("producer_max_request_size", PRODUCER_DEFAULT_MAX_REQUEST_SIZE + " (default, the load generator's and the service's)");
        raw.put("message_limits", limits);
        // --scale-settings scl1x4x10,scd16x128x134: only those rows (their prefixes), to look into one
        List<String> pick = args.all().containsKey("scale-settings") ? List.of(args.str("scale-settings", "").split(",")) : null;
        List<ScaleSetting> settings = scaleSettings().stream().filter(st -> pick == null || pick.contains(st.prefix())).toList();
        for (ScaleSetting st : settings) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("sweep", st.sweep());
            row.put("libraries", st.libraries());
            row.put("drives_per_library", st.drives());
            row.put("slots_per_library", st.slotsPerLibrary());
            row.put("in_flight", st.inFlight());
            int bytes = statusBytes(st);
            row.put("status_bytes", bytes);
            rows.add(row);
            // the service's slots changelog record is about as large as the status: the same limits hold for it
            int limit = Math.min(Math.min(BROKER_DEFAULT_MAX_MESSAGE_BYTES, PRODUCER_DEFAULT_MAX_REQUEST_SIZE), MessageCodec.MAX_MESSAGE_BYTES);
            if (bytes > limit) {
                row.put("skipped", String.format("a status of %,d bytes exceeds the %,d-byte message limit", bytes, limit));
                log("scale " + st + ": skipped, " + row.get("skipped"));
                continue;
            }
            try {
                scaleRow(st, row, seconds, warmup, idleCpuPerS);
            } catch (Exception e) {
                e.printStackTrace();
                row.put("error", String.valueOf(e));
            }
        }
        // after the runs through the service, so it does not share the cores with them
        for (int i = 0; i < rows.size(); i++) {
            ScaleSetting st = settings.get(i);
            Map<String, Object> row = rows.get(i);
            if (row.containsKey("skipped")) {
                continue;
            }
            try {
                List<Double> roundsUs = processorCost(st);
                row.put("processor_cost_us_per_request", median(roundsUs));
                // each round's figure, to see whether the first were still warming up
                row.put("processor_cost_rounds_us_per_request", roundsUs);
            } catch (Exception e) {
                row.put("processor_cost_error", String.valueOf(e));
                log("ProcessorCost " + st + ": " + e);
            }
        }
        raw.put("rows", rows);
        Map<String, Object> verdicts = new LinkedHashMap<>();
        // passes when no cost grows past 2×: a cost that falls with scale (the service's fixed per-second work spread
        // over more cycles) is no scale penalty, though its verdict says "falls", not "flat"
        boolean noGrowth = true;
        for (String sweep : List.of("libraries", "slots", "drives")) {
            List<Map<String, Object>> of = rows.stream().filter(r -> sweep.equals(r.get("sweep"))).toList();
            // not above idle: in its small settings it is a difference of two near-equal figures counted in 10 ms ticks
            for (String measure : List.of("service_cpu_us_per_cycle", "processor_cost_us_per_request")) {
                Map<String, Object> v = flatness(of, measure);
                verdicts.put(sweep + " / " + measure, v);
                String verdict = (String) v.get("verdict");
                noGrowth &= verdict.equals("flat") || verdict.startsWith("falls");
            }
        }
        raw.put("verdicts", verdicts);
        raw.put("measured_s_per_setting", seconds);
        raw.put("warmup_s_per_setting", warmup);
        raw.put("status_every_s", 30);
        raw.put("processor_cost", quick ? "4,000 cycles × 3 rounds, median round" : "10,000 cycles × 5 rounds, median round");
        raw.put("note", "Cost per cycle = the reservation-service process's CPU seconds (utime+stime from /proc, 10 ms ticks) between the "
                + "load generator's \"measure begin\" and \"measure end\" ÷ the cycles completed between them: everything the process does "
                + "(Kafka Streams' consumer, producer, transactions, RocksDB, GC, the 250 ms tick) — and on a shared machine, contention makes "
                + "it noisier, not lower. Each library's status is published at the start and every 30 s (the heartbeat interval is 60 s): "
                + "a 10,000-slot status is ~0.8 MB, and at the usual 2 s its decoding would be charged to the reservations; "
                + "status_rounds_in_window says if one fell in the window. With 1 and 10 libraries only 4 and 40 cycles are in flight, "
                + "so each transaction commits fewer of them and the per-cycle cost of the commit is higher; more generally the "
                + "instance's fixed work per second (polling every 5 ms, committing every 100 ms, the tick) is spread over however many "
                + "cycles the machine lets through, so on a busy machine this cost falls as throughput rises. ProcessorCost is the "
                + "service's topology without a broker (TopologyTestDriver, in-memory stores), the thread's own CPU time per request; it "
                + "reserves every drive of every library before releasing them, so in the drive sweep a library holds up to 128 "
                + "reservations there, against the service runs' 64 in flight over all the libraries' drives.");
        Map<String, Object> s = scenario("scale", "cost per reservation (CPU µs per reserve+release cycle) with 1 → 1,000 libraries "
                + "(" + SCALE_DRIVES + " drives each, ≤ " + SCALE_MAX_IN_FLIGHT + " in flight) and 10 → 10,000 slots per library ("
                + SCALE_SLOT_SWEEP_LIBRARIES + " libraries), and " + SCALE_DRIVES + " → 128 drives per library (" + SCALE_SLOT_SWEEP_LIBRARIES
                + " libraries), one instance; and broker-free (ProcessorCost)",
                "flat: the largest setting's CPU per cycle within " + (int) FLAT_WITHIN + "× of the smallest's (pass: at most "
                        + (int) FLAT_WITHIN + "× in every sweep, through the service and in ProcessorCost)", null, Double.NaN, "", noGrowth);
        s.put("raw", raw);
    }

    /**
     * How throughput scales with partitions and instances. Every row starts alike: a fresh broker with the topics at
     * the row's partition count and fresh instances, started together so that the first assignment spreads the tasks
     * (a second instance joining a running one gets standbys first, and active tasks only after a probing rebalance,
     * 10 minutes later by default). CPU is counted over the measured window. Ends on a fresh broker with the run's
     * partition count.
     */
    private void scaleInstances(int runPartitions) throws Exception {
        int seconds = quick ? 8 : 20;
        String concurrency = quick ? "128" : "512";
        List<Map<String, Object>> rows = new ArrayList<>();
        try {
            for (int p : quick ? List.of(1, 4) : List.of(1, 2, 4, 8)) {
                for (int n = 1; n <= 2; n++) {
                    freshBroker(p);
                    List<ServiceProcess> started = new ArrayList<>();
                    for (String name : List.of("rs-a", "rs-b").subList(0, n)) {
                        started.add(startInstance(name, Map.of()));
                    }
                    started.forEach(sp -> sp.awaitReady(Duration.ofSeconds(180)));
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("partitions", p);
                    row.put("instances", n);
                    try {
                        Map<String, Double>[] cpu = new Map[2];
                        long[] wall = new long[2];
                        Map<String, Object> r = loadgen("scale-instances-" + p + "p-" + n + "i", "closed", List.of("--concurrency", concurrency,
                                "--duration-s", String.valueOf(seconds), "--warmup-s", quick ? "2" : String.valueOf(THROUGHPUT_WARMUP_S),
                                "--libraries", "64", "--drives", "8", "--prefix", "si" + p + "x" + n), line -> {
                                    int i = line.equals("measure begin") ? 0 : line.equals("measure end") ? 1 : -1;
                                    if (i >= 0) {
                                        cpu[i] = cpuOfPieces();
                                        wall[i] = System.nanoTime();
                                    }
                                });
                        if (cpu[0] == null || cpu[1] == null) {
                            throw new IllegalStateException("no measured window");
                        }
                        double windowS = (wall[1] - wall[0]) / 1e9;
                        long cycles = (long) num(r.get("cycles_in_window"));
                        row.put("cycles_per_s", Math.round(cycles / windowS * 10) / 10.0);
                        row.put("cycle_latency", r.get("cycle_latency"));
                        row.put("unanswered", r.get("unanswered"));
                        // CPU per second of the window, per process: whether the second instance took a share of the work
                        Map<String, Object> perS = new LinkedHashMap<>();
                        cpu[1].forEach((k, v) -> perS.put(k, Math.round((v - cpu[0].getOrDefault(k, v)) / windowS * 100) / 100.0));
                        row.put("cpu_s_per_s_in_window", perS);
                    } catch (Exception e) {
                        row.put("error", String.valueOf(e));
                    }
                    rows.add(row);
                    log("scale-instances: " + row);
                }
            }
        } finally {
            freshBroker(runPartitions);
        }
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("rows", rows);
        raw.put("measured_s_per_setting", seconds);
        raw.put("warmup_s_per_setting", quick ? 2 : THROUGHPUT_WARMUP_S);
        raw.put("in_flight", Integer.parseInt(concurrency));
        raw.put("note", "Every row on a fresh broker (topics created with its partition count; the service's changelogs follow) "
                + "and fresh instances started together, 64 libraries × 8 drives, closed loop. On this machine every process shares "
                + "the same two cores, so a second instance adds no core: these figures show what partitioning costs or buys here, "
                + "not how drivebus scales across machines.");
        Map<String, Object> s = scenario("scale-instances", "reserve+release cycles/s, closed loop, " + concurrency
                + " in flight, against partitions (" + rows.stream().map(r -> String.valueOf(r.get("partitions"))).distinct()
                        .reduce((a, b) -> a + ", " + b).orElse("") + ") and instances (1, 2)", "report (how throughput scales)", null,
                Double.NaN, "", rows.stream().noneMatch(r -> r.containsKey("error")));
        s.put("raw", raw);
    }

    /** A new broker with empty data and the library-keyed topics at {@code partitions}; no instance survives it. */
    private void freshBroker(int partitions) throws IOException {
        for (ServiceProcess p : instances.values()) {
            p.close();
        }
        instances.clear();
        broker.close();
        deleteTree(work.resolve("kafka"));
        for (String n : List.of("rs-a", "rs-b")) {
            deleteTree(work.resolve("streams-" + n)); // state of topics that no longer exist
        }
        broker = KafkaBroker.start(work.resolve("kafka"), 0);
        TopicSetup.ensureTopics(broker.bootstrap(), partitions, Map.of(), SyntheticLibraries.HOST);
    }

    private double idleCpuPerSecond(ServiceProcess rs, int seconds) throws InterruptedException {
        Thread.sleep(1000); // the last load's answers and commits out of the way
        double c0 = Proc.cpuSeconds(rs.pid());
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        double perS = (Proc.cpuSeconds(rs.pid()) - c0) / ((System.nanoTime() - t0) / 1e9);
        log(String.format("scale: the idle service uses %.3f CPU s per s", perS));
        return perS;
    }

    private void scaleRow(ScaleSetting st, Map<String, Object> row, int seconds, int warmup, double idleCpuPerS) throws Exception {
        ServiceProcess rs = instances.get("rs-a");
        double[] cpu = new double[4]; // service before, after; broker before, after
        long[] wall = new long[2];
        Map<String, Object> r = loadgen("scale-" + st.prefix(), "closed", List.of("--concurrency", String.valueOf(st.inFlight()),
                "--duration-s", String.valueOf(seconds), "--warmup-s", String.valueOf(warmup), "--libraries", String.valueOf(st.libraries()),
                "--drives", String.valueOf(st.drives()), "--extra-slots", String.valueOf(st.extraSlots()), "--status-every-s", "30",
                "--rotate-seats", "--prefix", st.prefix()), line -> {
                    if (line.equals("measure begin")) {
                        cpu[0] = Proc.cpuSeconds(rs.pid());
                        cpu[2] = Proc.cpuSeconds(broker.pid());
                        wall[0] = System.nanoTime();
                    } else if (line.equals("measure end")) {
                        cpu[1] = Proc.cpuSeconds(rs.pid());
                        cpu[3] = Proc.cpuSeconds(broker.pid());
                        wall[1] = System.nanoTime();
                    }
                });
        long cycles = (long) num(r.get("cycles_in_window"));
        if (wall[1] == 0 || cycles <= 0 || cpu[0] < 0 || cpu[1] < 0) {
            throw new IllegalStateException("no measured window (cycles " + cycles + ", cpu " + java.util.Arrays.toString(cpu) + ")");
        }
        double windowS = (wall[1] - wall[0]) / 1e9;
        row.put("window_s", Math.round(windowS * 100) / 100.0);
        row.put("cycles_in_window", cycles);
        row.put("cycles_per_s", Math.round(cycles / windowS * 10) / 10.0);
        row.put("service_cpu_s", Math.round((cpu[1] - cpu[0]) * 100) / 100.0);
        row.put("service_cpu_us_per_cycle", Math.round((cpu[1] - cpu[0]) * 1e6 / cycles * 10) / 10.0);
        // an approximation: under load the poll loop's idle spinning is partly replaced by work
        row.put("service_cpu_above_idle_us_per_cycle", Math.round(Math.max(0, cpu[1] - cpu[0] - idleCpuPerS * windowS) * 1e6 / cycles * 10) / 10.0);
        row.put("broker_cpu_us_per_cycle", Math.round((cpu[3] - cpu[2]) * 1e6 / cycles * 10) / 10.0);
        row.put("cycle_latency", r.get("cycle_latency"));
        row.put("status_rounds_in_window", r.get("status_rounds_in_window"));
        row.put("denied", r.get("denied"));
        row.put("unanswered", r.get("unanswered"));
        row.put("loadgen", r);
        log(String.format("scale %s: %,d cycles in %.1f s, %.1f µs service CPU per cycle", st, cycles, windowS,
                num(row.get("service_cpu_us_per_cycle"))));
    }

    /** "flat" when the largest setting's figure is within FLAT_WITHIN× of the smallest's (either way). */
    static Map<String, Object> flatness(List<Map<String, Object>> rows, String measure) {
        Map<String, Object> v = new LinkedHashMap<>();
        List<Map<String, Object>> measured = rows.stream().filter(r -> num(r.get(measure)) > 0).toList();
        if (measured.size() < 2 || measured.get(0) != rows.get(0) || measured.get(measured.size() - 1) != rows.get(rows.size() - 1)) {
            v.put("verdict", "not measured (smallest or largest setting missing)");
            return v;
        }
        double first = num(measured.get(0).get(measure));
        double last = num(measured.get(measured.size() - 1).get(measure));
        double ratio = last / first;
        v.put("smallest", first);
        v.put("largest", last);
        v.put("ratio_largest_to_smallest", Math.round(ratio * 100) / 100.0);
        v.put("verdict", ratio <= FLAT_WITHIN && ratio >= 1 / FLAT_WITHIN ? "flat"
                : ratio > FLAT_WITHIN ? String.format("grows %.1f×", ratio) : String.format("falls %.1f×", 1 / ratio));
        return v;
    }

    /**
     * ProcessorCost (reservation-service's test classes) for one setting; µs of CPU per request of each round. Runs it
     * directly when built, else through bench/processor-cost.sh, which builds it first.
     */
    private List<Double> processorCost(ScaleSetting st) throws Exception {
        // fewer than its own default (20,000 × 7): each request is also encoded and its answers decoded, outside the
        // clock but not outside the wall time, and there are twelve settings
        String cycles = quick ? "4000" : "10000";
        String rounds = quick ? "3" : "5";
        List<String> params = List.of(String.valueOf(st.libraries()), String.valueOf(st.drives()), String.valueOf(st.extraSlots()), cycles, rounds);
        Path rsTarget = root.resolve("reservation-service/target");
        Path cls = rsTarget.resolve("test-classes/io/drivebus/reservation/streams/ProcessorCost.class");
        Path cp = rsTarget.resolve("test.classpath");
        List<String> cmd = new ArrayList<>();
        if (Files.exists(cls) && Files.exists(cp)) {
            cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-XX:+UseSerialGC", "-cp",
                    rsTarget.resolve("test-classes") + ":" + rsTarget.resolve("classes") + ":" + Files.readString(cp).trim(),
                    "io.drivebus.reservation.streams.ProcessorCost"));
        } else {
            cmd.add("bench/processor-cost.sh");
        }
        cmd.addAll(params);
        log("ProcessorCost " + String.join(" ", params));
        String out = run(cmd.toArray(String[]::new));
        // the decimal mark as the child's locale prints it
        List<Double> roundsUs = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("round [0-9]+: ([0-9]+[.,][0-9]+) ").matcher(out);
        while (m.find()) {
            roundsUs.add(Double.parseDouble(m.group(1).replace(',', '.')));
        }
        if (roundsUs.isEmpty()) {
            throw new IllegalStateException("ProcessorCost printed no rounds: " + out.strip());
        }
        log("ProcessorCost " + st + ": " + roundsUs + " µs per request");
        return roundsUs;
    }

    /** As ProcessorCost takes its own: the middle of the sorted rounds. */
    static double median(List<Double> xs) {
        List<Double> sorted = xs.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    // ---------------------------------------------------------------- inventory

    /** PostgreSQL (embedded, as local-stack runs it) and one inventory-service, shared by the inventory scenarios. */
    private ServiceProcess ensureInventory() {
        if (inventory != null && inventory.isAlive()) {
            return inventory;
        }
        stopInventory(); // one that died: its PostgreSQL too, before another starts on the same data directory
        long t0 = System.nanoTime();
        inventoryDb = Postgres.embedded(work.resolve("postgres-inventory"), 0);
        Map<String, String> cfg = new LinkedHashMap<>(inventoryDb.quarkusConfig());
        cfg.put("kafka.bootstrap.servers", broker.bootstrap());
        inventory = new ServiceProcess(INVENTORY, Ports.free(), cfg, work.resolve("logs"), "inventory-service-bench").start();
        inventory.awaitReady(Duration.ofSeconds(180));
        log("PostgreSQL and inventory-service ready in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        return inventory;
    }

    private void stopInventory() {
        if (inventory != null) {
            try {
                inventory.close();
            } catch (RuntimeException e) {
                System.err.println("stopping " + inventory + ": " + e);
            }
            inventory = null;
        }
        if (inventoryDb != null) {
            try {
                inventoryDb.close();
            } catch (RuntimeException e) {
                System.err.println("stopping PostgreSQL: " + e);
            }
            inventoryDb = null;
        }
    }

    private static long postmasterPid(Path dataDir) {
        try {
            return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * 100 libraries × 10 drives × 1,000 slots (--quick: 20 libraries) seeded through the status topic, so the
     * projection itself builds them; then volume lookups and library inventories, one client thread, keep-alive.
     */
    private void inventoryLookup() throws Exception {
        ServiceProcess inv = ensureInventory();
        int libraries = quick ? 20 : 100;
        int drives = 10;
        int slots = 1000;
        Map<String, Object> r = loadgen("inventory-lookup", "lookup", List.of("--inventory", inv.baseUrl(), "--libraries",
                String.valueOf(libraries), "--drives", String.valueOf(drives), "--slots", String.valueOf(slots), "--volume-requests",
                quick ? "2000" : "20000", "--inventory-requests", quick ? "2000" : "20000", "--warmup-s", quick ? "3" : "60", "--prefix", "inv"),
                null);
        Map<?, ?> seeded = (Map<?, ?>) r.get("seeded");
        long volumes = (long) num(seeded.get("slots")); // every seeded slot's volume is in its slot or in a drive
        long driveCount = (long) num(seeded.get("drives"));
        boolean fullSize = volumes >= 100_000 && driveCount >= 1_000;
        boolean clean = num(r.get("errors")) == 0;
        String size = String.format("%,d volumes, %,d drives, %d libraries of %,d slots", volumes, driveCount, libraries, slots);
        Map<?, ?> vol = (Map<?, ?>) r.get("volume_lookup");
        Map<String, Object> v = scenario("inventory-lookup-volume", "GET /api/volumes/{label}, random labels; " + size
                + "; one client thread, keep-alive, closed loop", "p99 ≤ 5 ms with 100,000 volumes and 1,000 drives", vol,
                num(r.get("volume_requests_per_s")), "requests/s", fullSize && clean && num(vol.get("p99_ms")) <= 5);
        v.put("raw", r);
        Map<?, ?> lib = (Map<?, ?>) r.get("library_inventory");
        Map<?, ?> bytes = (Map<?, ?>) r.get("library_inventory_bytes");
        scenario("inventory-lookup-library", "GET /api/libraries/{id}/inventory, random libraries of " + String.format("%,d", slots)
                + " slots and " + drives + " drives (" + String.format("%,d", (long) num(bytes.get("max")) / 1024) + " KiB of JSON each); " + size
                + "; one client thread, keep-alive", "p99 ≤ 5 ms with 100,000 volumes and 1,000 drives", lib,
                num(r.get("inventory_requests_per_s")), "requests/s", fullSize && clean && num(lib.get("p99_ms")) <= 5);
    }

    /** The projection scenario's warm-up (see InventoryLoad): the JIT of three cold JVMs, not the projection, otherwise. */
    static final int INVENTORY_LAG_WARMUP_S = 60;

    /** 2,000 events/s published open loop; lag = due time → the change on the inventory-service's live stream. */
    private void inventoryLag() throws Exception {
        ServiceProcess inv = ensureInventory();
        int rate = 2000;
        Map<String, Object> r = loadgen("inventory-lag", "projection", List.of("--inventory", inv.baseUrl(), "--rate", String.valueOf(rate),
                "--duration-s", quick ? "5" : "30", "--warmup-s", quick ? "3" : String.valueOf(INVENTORY_LAG_WARMUP_S), "--libraries", "20",
                "--drives", "8", "--slots", "64", "--prefix", "lag"), null);
        Map<?, ?> lag = (Map<?, ?>) r.get("lag_from_due");
        boolean kept = num(r.get("unseen_after_30s")) == 0 && num(r.get("published_per_s")) >= 0.98 * rate
                && num(r.get("projected_per_s")) >= 0.98 * rate;
        Map<String, Object> s = scenario("inventory-lag", "projection lag at " + String.format("%,d", rate) + " events/s open loop: reservation events, agents' "
                + "command results and statuses published directly on the real topics (20 libraries × 8 drives); from each event's due "
                + "time to its change on GET /api/events (sent after commit), CO-corrected; after a " + (quick ? 3 : INVENTORY_LAG_WARMUP_S)
                + " s warm-up at ¼, ½ and ¾ of the rate, projected before the clock starts", "p99 ≤ 250 ms at 2,000 events/s", lag,
                num(r.get("projected_per_s")), "events/s projected", kept && num(lag.get("p99_ms")) <= 250);
        s.put("raw", r);
    }

    // ---------------------------------------------------------------- Amanda side by side

    /** Why Amanda's changer cannot run here, or null. */
    private String amandaMissing() {
        if (!sh("command -v amlabel || echo missing").startsWith("/")) {
            return "Amanda is not installed (apt-get install amanda-server amanda-common libencode-locale-perl)";
        }
        if (!sh("perl -I" + AMANDA_PERL + " -MAmanda::Changer -e1 2>&1 && echo ok").endsWith("ok")) {
            return "Amanda's Perl modules do not load: " + sh("perl -I" + AMANDA_PERL + " -MAmanda::Changer -e1 2>&1 | head -1");
        }
        if (!sh("id -u").equals("0")) {
            return "needs root (writes /etc/amanda/" + AMANDA_CONFIG + ", runs the changer as the backup user with runuser)";
        }
        return null;
    }

    /**
     * Amanda's changer on this machine, in this run: N load(slot)+release loops through Amanda::Changer in one process,
     * then four processes on four slots (chg-disk gives each its own drive; they contend for the state file's lock),
     * beside drivebus' closed-loop throughput and open-loop latency of the same run; the ratio in the report.
     */
    private void amanda() throws Exception {
        String missing = amandaMissing();
        if (missing != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("skipped", missing);
            scenarios.put("amanda", m);
            log("amanda: skipped: " + missing);
            return;
        }
        // vtapes under /var/tmp (setup.sh's default): kept between runs, so the labels are written once
        run("bench/amanda/setup.sh", "--config", AMANDA_CONFIG, "--slots", "10");
        Map<String, Object> one = amandaLoop(1, quick ? 300 : 2000, quick ? 50 : 200);
        Map<String, Object> four = amandaLoop(4, quick ? 100 : 1000, quick ? 20 : 100);
        String what = "Amanda " + one.get("amanda_version") + " chg-disk (virtual tapes), load(slot) + release through Amanda::Changer, ";
        Map<String, Object> s1 = scenario("amanda", what + "1 process, closed loop", "reference (same machine, same run)",
                (Map<?, ?>) one.get("cycle_latency"), num(one.get("load_release_per_s")), "load+release/s", true);
        s1.remove("pass");
        s1.put("raw", one);
        Map<String, Object> s4 = scenario("amanda-4-processes", what + "4 processes on 4 slots, contending for the changer's state file",
                "reference (same machine, same run)", (Map<?, ?>) four.get("cycle_latency"), num(four.get("load_release_per_s")),
                "load+release/s", true);
        s4.remove("pass");
        s4.put("raw", four);
        scenarios.put("amanda-side-by-side", sideBySide(one, four));
    }

    private Map<String, Object> amandaLoop(int processes, int iterations, int warmup) throws Exception {
        String out = run("runuser", "-u", "backup", "--", "perl", root.resolve("bench/amanda/load-release.pl").toString(), "--config",
                AMANDA_CONFIG, "--procs", String.valueOf(processes), "--iterations", String.valueOf(iterations), "--warmup", String.valueOf(warmup));
        String last = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException("load-release.pl printed no JSON: " + out));
        Map<String, Object> r = json.readValue(last, LinkedHashMap.class);
        log("amanda, " + processes + " process(es): " + r.get("load_release_per_s") + " load+release/s, cycle " + r.get("cycle_latency"));
        return r;
    }

    /** drivebus' figures of this run beside Amanda's: the ratio of throughputs and the latencies side by side. */
    private Map<String, Object> sideBySide(Map<String, Object> one, Map<String, Object> four) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> thr = (Map<String, Object>) scenarios.get("throughput");
        Map<String, Object> lat = (Map<String, Object>) scenarios.get("latency");
        double cycles = thr == null ? Double.NaN : num(thr.get("throughput"));
        m.put("description", "drivebus reserve(slot)+release cycles/s (closed loop, throughput scenario) ÷ Amanda load(slot)+release/s; "
                + "latencies of both, same machine, same run");
        m.put("drivebus_cycles_per_s", Double.isNaN(cycles) ? null : cycles);
        m.put("amanda_1_process_per_s", one.get("load_release_per_s"));
        m.put("amanda_4_processes_per_s", four.get("load_release_per_s"));
        m.put("ratio_vs_1_process", ratio(cycles, num(one.get("load_release_per_s"))));
        m.put("ratio_vs_4_processes", ratio(cycles, num(four.get("load_release_per_s"))));
        Map<String, Object> cmp = new LinkedHashMap<>();
        cmp.put("drivebus_cycle_closed_loop", thr == null ? null : thr.get("latency"));
        cmp.put("drivebus_in_flight", thr == null ? null : ((Map<?, ?>) thr.get("raw")).get("concurrency"));
        cmp.put("drivebus_grant_open_loop_500_per_s", lat == null ? null : lat.get("latency"));
        cmp.put("amanda_cycle_1_process", one.get("cycle_latency"));
        cmp.put("amanda_load_1_process", one.get("load_latency"));
        cmp.put("amanda_cycle_4_processes", four.get("cycle_latency"));
        m.put("latency_ms", cmp);
        m.put("note", "Not like for like: drivebus' cycle is two requests over Kafka to a replicated, exactly-once service with "
                + "hundreds in flight; Amanda's is a function call in the job's own process on a state file under a lock, one (or four) "
                + "at a time. Neither moves media (drivebus: volumes already in the drives; Amanda: virtual tapes). Amanda runs while drivebus' "
                + "broker and service idle");
        m.put("run_at", Instant.now().toString());
        return m;
    }

    private static Double ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b <= 0 ? null : Math.round(a / b * 100) / 100.0;
    }

    /** Runs a command from the repository root; its output, or an exception naming its exit code and output. */
    private String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out.strip());
        }
        return out;
    }

    // ---------------------------------------------------------------- footprint

    private void footprint() throws Exception {
        Map<String, Object> f = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        // one at a time, so each start-up has the machine to itself (the broker idles)
        long rsMs = timedStart("rs-a", Map.of());
        rows.add(footprintRow(RS, instances.get("rs-a"), rsMs));
        Postgres pg = null;
        ServiceProcess inventory = null;
        ServiceProcess agent = null;
        try {
            long t0 = System.nanoTime();
            pg = Postgres.embedded(work.resolve("postgres"), 0);
            f.put("embedded_postgres_start_ms", (System.nanoTime() - t0) / 1_000_000);
            Map<String, String> inv = new LinkedHashMap<>(pg.quarkusConfig());
            inv.put("kafka.bootstrap.servers", broker.bootstrap());
            t0 = System.nanoTime();
            inventory = new ServiceProcess("inventory-service", Ports.free(), inv, work.resolve("logs")).start();
            inventory.awaitReady(Duration.ofSeconds(180));
            rows.add(footprintRow("inventory-service", inventory, (System.nanoTime() - t0) / 1_000_000));
            Map<String, String> ag = new LinkedHashMap<>();
            ag.put("kafka.bootstrap.servers", broker.bootstrap());
            ag.put("drivebus.agent.host", "bench-agent-host");
            ag.put("drivebus.agent.state-dir", work.resolve("agent-state").toString());
            String lib = "drivebus.agent.libraries.footprint";
            ag.put(lib + ".driver", "vtape");
            ag.put(lib + ".path", work.resolve("vtl/footprint").toString());
            ag.put(lib + ".init.slots", "10");
            ag.put(lib + ".init.drives", "d0,d1");
            ag.put(lib + ".init.label-prefix", "FOOT");
            t0 = System.nanoTime();
            agent = new ServiceProcess("device-agent", Ports.free(), ag, work.resolve("logs")).start();
            agent.awaitReady(Duration.ofSeconds(180));
            rows.add(footprintRow("device-agent", agent, (System.nanoTime() - t0) / 1_000_000));
            Thread.sleep(quick ? 2000 : 10000);
            for (Map<String, Object> row : rows) {
                row.put("rss_idle_mib_after_10s", Proc.rssMiB((long) row.get("pid")));
            }
        } finally {
            if (agent != null) {
                agent.close();
            }
            if (inventory != null) {
                inventory.close();
            }
            if (pg != null) {
                pg.close();
            }
        }
        f.put("services", rows);
        f.put("jvm_options", "ServiceProcess: -Xmx384m -XX:+UseSerialGC, Quarkus fast-jar (JVM mode)");
        f.put("start_up_note", "process start to /q/health/ready = 200, polled every 200 ms; reservation-service ready = Kafka Streams RUNNING");
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("description", "RSS (VmRSS) and start-up time to ready of each service, started one at a time");
        s.put("goal", "report");
        s.put("raw", f);
        scenarios.put("footprint", s);
    }

    private Map<String, Object> footprintRow(String service, ServiceProcess p, long readyMs) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("service", service);
        row.put("pid", p.pid());
        row.put("start_to_ready_ms", readyMs);
        row.put("rss_mib_at_ready", Proc.rssMiB(p.pid()));
        log(service + ": ready in " + readyMs + " ms, RSS " + row.get("rss_mib_at_ready") + " MiB");
        return row;
    }

    /**
     * Kept beside the scenarios, not in the footprint scenario: a run without the footprint (--only latency) used to
     * create a footprint entry holding only this, which showed as an empty footprint row.
     */
    private void recordFootprintAfterLoad(String name, ServiceProcess p) {
        if (p == null || !p.isAlive()) {
            return;
        }
        Map<String, Object> after = (Map<String, Object>) report.computeIfAbsent("rss_after_load_mib", k -> new LinkedHashMap<>());
        after.put(name, Proc.rssMiB(p.pid()));
    }

    // ---------------------------------------------------------------- report

    private Map<String, Object> scenario(String name, String description, String goal, Map<?, ?> latency, double throughput, String unit,
            boolean pass) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("description", description);
        s.put("goal", goal);
        Map<String, Object> l = new LinkedHashMap<>();
        if (latency != null) {
            for (String k : List.of("count", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms")) {
                if (latency.containsKey(k)) {
                    l.put(k, latency.get(k));
                }
            }
        }
        s.put("latency", l);
        s.put("throughput", Double.isNaN(throughput) ? null : Math.round(throughput * 10) / 10.0);
        s.put("throughput_unit", unit);
        s.put("pass", pass);
        scenarios.remove(name);
        scenarios.put(name, s);
        s.put("run_at", Instant.now().toString());
        log(name + ": " + l + " throughput " + s.get("throughput") + " " + unit + " -> " + (pass ? "PASS" : "MISS"));
        return s;
    }

    private void writeReports() throws IOException {
        Files.createDirectories(docs);
        json.writeValue(docs.resolve("benchmarks.json").toFile(), report);
        Files.writeString(docs.resolve("benchmarks.md"), Report.markdown(json.valueToTree(report)));
        log("wrote " + docs.resolve("benchmarks.md") + " and benchmarks.json");
    }

    private Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nproc", sh("nproc"));
        m.put("free_g", sh("free -g"));
        m.put("cpu_model", sh("sh -c \"grep -m1 'model name' /proc/cpuinfo | cut -d: -f2\""));
        m.put("kernel", sh("uname -r"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("load_average_at_start", sh("cat /proc/loadavg"));
        m.put("note", "broker, service(s) and load generator share these cores; other agents' work may also run here");
        return m;
    }

    private static String sh(String cmd) {
        try {
            Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).stripTrailing();
            p.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /** The kafka-streams.* settings the service runs with (its application.properties), before overrides. */
    private Map<String, String> serviceSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        Path props = root.resolve("reservation-service/src/main/resources/application.properties");
        try (var in = Files.newBufferedReader(props)) {
            Properties p = new Properties();
            p.load(in);
            p.stringPropertyNames().stream().filter(k -> k.startsWith("kafka-streams.") && !k.startsWith("%")).sorted()
                    .forEach(k -> m.put(k, p.getProperty(k)));
        } catch (IOException e) {
            m.put("error", "cannot read " + props + ": " + e.getMessage());
        }
        m.put("(set by the harness) kafka-streams.client.id", "rs-a / rs-b (names the instance in each event's source)");
        m.put("(set by the harness) drivebus.reservation.tick-interval", "250ms");
        m.put("(JVM) ", "-Xmx384m -XX:+UseSerialGC (ServiceProcess)");
        return m;
    }

    private int instancesAlive() {
        return (int) instances.values().stream().filter(ServiceProcess::isAlive).count();
    }

    static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void log(String s) {
        System.out.println("bench: " + s);
        System.out.flush();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

}
