package io.drivebus.reservation.streams;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The reservation-service's own CPU per request, without a broker: reserve+release cycles of loaded drives piped
 * through the real topology (codec and validation, state serde, de-duplication, decision core) by Kafka's
 * TopologyTestDriver, with the stores in memory — the driver commits after every record, and a RocksDB flush per
 * record would measure the driver, not the service. Kafka's part (RocksDB, changelog and output sends, commits) is
 * measured against real processes by the bench module; this isolates our code, so a change to it can be judged in
 * seconds. It counts the thread's CPU time, so other work on the machine does not inflate the figure; the driver's own
 * work is in it too (in a JFR recording on 8 December, a third of the samples were outside the processor: the driver's
 * per-record commit and topic lookup, reading the outputs), the same in every round, so differences are ours. A
 * benchmark, not a test: {@code bench/processor-cost.sh [libraries drives extra-slots cycles rounds]}.
 */
public final class ProcessorCost {

    public static void main(String[] args) throws Exception {
        int libraries = arg(args, 0, 64);
        int drives = arg(args, 1, 8);
        int extraSlots = arg(args, 2, 0);
        int cycles = arg(args, 3, 20_000);
        int rounds = arg(args, 4, 7);
        MessageCodec codec = MessageCodec.get();
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "processor-cost");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("processor-cost").toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(ReservationTopology.build(Duration.ofMillis(250), "bench", false, null, host -> true, null, false), p, Instant.now())) {
            var s = Serdes.String();
            var b = Serdes.ByteArray();
            TestInputTopic<String, byte[]> requests = driver.createInputTopic(Topics.RESERVATION_REQUESTS, s.serializer(), b.serializer());
            TestInputTopic<String, byte[]> status = driver.createInputTopic(Topics.DEVICE_STATUS, s.serializer(), b.serializer());
            TestOutputTopic<String, byte[]> events = driver.createOutputTopic(Topics.RESERVATION_EVENTS, s.deserializer(), b.deserializer());
            for (int l = 0; l < libraries; l++) {
                status.pipeInput(lib(l), codec.encode(Envelope.of("bench", null, status(lib(l), drives, extraSlots))));
            }
            Owner owner = new Owner("job-1", "site-a");
            double[] perRequestUs = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long processNs = 0;
                int batch = libraries * drives;
                for (int from = 0; from < cycles; from += batch) {
                    int to = Math.min(cycles, from + batch);
                    // requests are encoded before the clock starts: the client's cost is not the service's
                    List<String> keys = new ArrayList<>();
                    List<byte[]> reserves = new ArrayList<>();
                    for (int c = from; c < to; c++) {
                        int l = c % libraries;
                        keys.add(lib(l));
                        reserves.add(codec.encode(Envelope.of("bench", null, ReserveRequest.bySlot(lib(l), owner, (c / libraries) % drives + 1))));
                    }
                    long start = cpu.getCurrentThreadCpuTime();
                    for (int i = 0; i < reserves.size(); i++) {
                        requests.pipeInput(keys.get(i), reserves.get(i));
                    }
                    processNs += cpu.getCurrentThreadCpuTime() - start;
                    List<String> releaseKeys = new ArrayList<>();
                    List<byte[]> releases = new ArrayList<>();
                    for (byte[] e : events.readValuesToList()) {
                        if (codec.decode(e).payload() instanceof ReservationGranted g) {
                            releaseKeys.add(g.library());
                            releases.add(codec.encode(Envelope.of("bench", null, new ReleaseRequest(g.library(), g.reservationId(), owner, null))));
                        }
                    }
                    if (releases.size() != to - from) {
                        throw new IllegalStateException("expected " + (to - from) + " grants, got " + releases.size());
                    }
                    start = cpu.getCurrentThreadCpuTime();
                    for (int i = 0; i < releases.size(); i++) {
                        requests.pipeInput(releaseKeys.get(i), releases.get(i));
                    }
                    processNs += cpu.getCurrentThreadCpuTime() - start;
                    events.readValuesToList();
                    // the driver keeps every record produced, changelogs included, until it is read: drop them
                    for (String topic : driver.producedTopicNames()) {
                        driver.createOutputTopic(topic, b.deserializer(), b.deserializer()).readRecordsToList();
                    }
                }
                perRequestUs[r] = processNs / 1000.0 / (2.0 * cycles);
                System.out.printf("round %d: %.1f µs CPU per request (%,d cycles; %d libraries × %d drives, %d extra slots)%n", r,
                        perRequestUs[r], cycles, libraries, drives, extraSlots);
            }
            double[] sorted = perRequestUs.clone();
            Arrays.sort(sorted);
            double median = sorted[sorted.length / 2];
            System.out.printf("median %.1f µs CPU per request: one core decides at most %,.0f reserve+release cycles/s%n", median,
                    1_000_000 / (2 * median));
        }
    }

    private static String lib(int l) {
        return "cost-" + l;
    }

    /** Every drive holds its slot's volume, as the bench's synthetic libraries: a reserve by slot needs no motion. */
    static LibraryStatus status(String lib, int drives, int extraSlots) {
        List<DriveStatus> ds = new ArrayList<>();
        List<SlotStatus> ss = new ArrayList<>();
        String prefix = lib.toUpperCase().replace("-", "") + "S";
        for (int d = 0; d < drives; d++) {
            ds.add(new DriveStatus("d" + d, "/dev/bench/" + lib + "/d" + d, DriveState.loaded, null, prefix + (d + 1), null, d + 1, null, 0,
                    null, null, null, null));
            ss.add(new SlotStatus(d + 1, SlotState.EMPTY, null, null, false));
        }
        for (int k = 0; k < extraSlots; k++) {
            int slot = drives + 1 + k;
            ss.add(new SlotStatus(slot, SlotState.FULL, prefix + slot, null, false));
        }
        return new LibraryStatus(lib, "bench-host", "vtape", "bench", true, ds, ss, 1, 60_000);
    }

    private static int arg(String[] args, int i, int dflt) {
        return args.length > i ? Integer.parseInt(args[i]) : dflt;
    }
}
