package io.drivebus.reservation.streams;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The CPU of asking whether a request was seen before, on real RocksDB window stores with the service's RocksDB
 * settings ({@link BoundedRocksDbMemory}), three ways:
 * <ul>
 * <li>{@code range}: each id stored at its own time and looked for with a range fetch over the last hour (how the
 * service did it until 7 December; a RocksDB iterator on every live segment, and range reads cannot use the Bloom
 * filters);
 * <li>{@code sliced}: {@link SeenRequests}, each id stored at the start of its half-hour and looked for with one point
 * read per half-hour;
 * <li>{@code store only}: the sliced write without the lookup, the floor of any way that remembers ids in a store.
 * </ul>
 * New ids arrive at a fixed rate of record time for over an hour, so the stores reach their steady number of segments,
 * and the store is flushed every 10,000 writes (each batch is one record, and the topology test driver flushes after
 * each), as Kafka Streams flushes a task's stores once its changelogs have grown that much. Reported: CPU per check (the thread's CPU time) over the last hour of record time. A benchmark, not a
 * test: {@code bench/processor-cost.sh seen-requests [ids-per-second minutes rounds]}.
 */
public final class SeenRequestsCost {

    private static final int FLUSH_EVERY = 10_000;

    interface Check {
        boolean seenBefore(String id, Instant at);
    }

    enum Way {
        RANGE, SLICED, STORE_ONLY
    }

    public static void main(String[] args) throws Exception {
        int perSecond = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int minutes = args.length > 1 ? Integer.parseInt(args[1]) : 120;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        Way[] ways = Way.values();
        double[][] us = new double[ways.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int v = 0; v < ways.length; v++) { // rotated, so a slower moment of the machine does not fall on one only
                Way way = ways[(v + r) % ways.length];
                us[way.ordinal()][r] = run(way, perSecond, minutes, cpu);
                System.out.printf("round %d %-10s %.2f µs CPU per check%n", r, way, us[way.ordinal()][r]);
            }
        }
        System.out.printf("median over %d rounds (%d new ids/s of record time for %d min, the last hour measured), µs CPU per check:"
                + " range %.2f, sliced %.2f, store only %.2f%n", rounds, perSecond, minutes, median(us[0]), median(us[1]), median(us[2]));
    }

    private static double run(Way way, int perSecond, int minutes, ThreadMXBean cpu) throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "seen-requests-cost");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        Path dir = Files.createTempDirectory("seen-requests-cost");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class.getName());
        Duration retention = way == Way.RANGE ? SeenRequests.REMEMBERED : SeenRequests.STORE_RETENTION;
        long total = (long) perSecond * minutes * 60;
        long measureFrom = total - (long) perSecond * 3600;
        long stepNs = 1_000_000_000L / perSecond;
        Instant start = Instant.parse("2026-12-07T00:00:00Z");
        long[] cpuNs = {0, 0}; // CPU, checks measured
        Topology t = new Topology();
        t.addSource("batches", Serdes.Long().deserializer(), Serdes.Long().deserializer(), "batches");
        // one record is one batch of FLUSH_EVERY checks: the driver flushes the stores after each record
        t.addProcessor("checks", () -> new Processor<Long, Long, Void, Void>() {
            private Check check;

            @Override
            public void init(ProcessorContext<Void, Void> context) {
                WindowStore<String, Long> store = context.getStateStore("seen-cost");
                check = switch (way) {
                    case RANGE -> (id, at) -> rangeSeenBefore(store, id, at);
                    case SLICED -> new SeenRequests(store)::seenBefore;
                    case STORE_ONLY -> (id, at) -> {
                        store.put(id, at.toEpochMilli(), SeenRequests.sliceStart(at.toEpochMilli()));
                        return false;
                    };
                };
            }

            @Override
            public void process(Record<Long, Long> batch) {
                long from = batch.value();
                int n = (int) Math.min(FLUSH_EVERY, total - from);
                String[] ids = new String[n];
                for (int k = 0; k < n; k++) { // made before the clock starts
                    ids[k] = "lib-" + (k % 64) + "/" + UUID.randomUUID();
                }
                long t0 = cpu.getCurrentThreadCpuTime();
                for (int k = 0; k < n; k++) {
                    if (check.seenBefore(ids[k], start.plusNanos((from + k) * stepNs))) {
                        throw new IllegalStateException("a new id taken for seen: " + ids[k]);
                    }
                }
                if (from >= measureFrom) {
                    cpuNs[0] += cpu.getCurrentThreadCpuTime() - t0;
                    cpuNs[1] += n;
                }
            }
        }, "batches");
        t.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore("seen-cost", retention, Duration.ofMillis(1), false),
                Serdes.String(), Serdes.Long()).withLoggingDisabled().withCachingDisabled(), "checks");
        try (TopologyTestDriver driver = new TopologyTestDriver(t, p, start)) {
            TestInputTopic<Long, Long> batches = driver.createInputTopic("batches", Serdes.Long().serializer(), Serdes.Long().serializer());
            for (long from = 0; from < total; from += FLUSH_EVERY) {
                batches.pipeInput(from, from, start.plusNanos(from * stepNs));
            }
        } finally {
            try (Stream<Path> left = Files.walk(dir)) {
                left.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        return cpuNs[0] / 1000.0 / cpuNs[1];
    }

    /** The former lookup: an id at its own time, searched for over the hour before. */
    private static boolean rangeSeenBefore(WindowStore<String, Long> store, String id, Instant at) {
        long t = at.toEpochMilli();
        try (WindowStoreIterator<Long> it = store.fetch(id, t - SeenRequests.REMEMBERED.toMillis(), Long.MAX_VALUE)) {
            if (it.hasNext()) {
                return true;
            }
        }
        store.put(id, t, t);
        return false;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private SeenRequestsCost() {
    }
}
