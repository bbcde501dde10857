package io.drivebus.reservation.streams;

import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

/** A topology test driver (no broker) with a state dir of its own, its wall clock starting at {@code start}. */
public final class TestDrivers {

    public static TopologyTestDriver of(Topology topology, Instant start) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/ttd-" + System.nanoTime());
        return new TopologyTestDriver(topology, p, start);
    }

    private TestDrivers() {
    }
}
