package io.drivebus.agent.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class CommandPartitionTest {

    @Test
    void matchesWhatTheProducerPicksForTheKey() {
        for (String host : new String[] {"host1", "host2", "testhost", "tape-server.example.org", "h"}) {
            for (int partitions : new int[] {1, 3, 4, 12, 50}) {
                assertEquals(BuiltInPartitioner.partitionForKey(host.getBytes(StandardCharsets.UTF_8), partitions),
                        CommandPartition.of(host, partitions), host + " over " + partitions);
            }
        }
    }
}
