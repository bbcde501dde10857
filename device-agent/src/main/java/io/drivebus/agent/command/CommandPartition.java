package io.drivebus.agent.command;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition of drivebus.device.commands that holds this host's commands: the one Kafka's default
 * partitioner picks for the key (the host id as UTF-8), so the agent reads one partition, not all of them.
 */
public final class CommandPartition {

    private CommandPartition() {
    }

    public static int of(String host, int partitions) {
        byte[] key = host.getBytes(StandardCharsets.UTF_8);
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }
}
