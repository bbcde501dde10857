package io.drivebus.schemas;

import java.util.List;

/** Topic names are part of the contract (DESIGN.md). Channel name = topic name. */
public final class Topics {
    /** Keyed by library id. */
    public static final String RESERVATION_REQUESTS = "drivebus.reservation.requests";
    /** Keyed by library id. */
    public static final String RESERVATION_EVENTS = "drivebus.reservation.events";
    /**
     * The commands of one host are on their own topic, {@link #deviceCommands(String) drivebus.device.commands.<host>}
     * (keyed by host id), so Kafka's ACLs can let an agent read its own host's commands and no other's. This name is
     * the family's: its dead-letter topic is the one all agents share.
     */
    public static final String DEVICE_COMMANDS = "drivebus.device.commands";
    /** Prefix of the per-host command topics (the reservation-service's write ACL). */
    public static final String DEVICE_COMMANDS_PREFIX = DEVICE_COMMANDS + ".";
    /** Keyed by library id. */
    public static final String DEVICE_EVENTS = "drivebus.device.events";
    /** Keyed by library id (a library is the device whose status carries its drives and slots); compacted. */
    public static final String DEVICE_STATUS = "drivebus.device.status";

    /** The shared topics (not the per-host command topics; their shared dead-letter topic is dlq(DEVICE_COMMANDS)). */
    public static final List<String> ALL = List.of(
            RESERVATION_REQUESTS, RESERVATION_EVENTS, DEVICE_EVENTS, DEVICE_STATUS);

    /** Topics whose records change a library's reservation state: they must share one partition count. */
    public static final List<String> LIBRARY_KEYED = List.of(RESERVATION_REQUESTS, DEVICE_EVENTS, DEVICE_STATUS);

    /** The dead-letter topic of {@code topic}; every per-host command topic shares dlq(DEVICE_COMMANDS). */
    public static String dlq(String topic) {
        return topic.startsWith(DEVICE_COMMANDS_PREFIX) ? DEVICE_COMMANDS + ".dlq" : topic + ".dlq";
    }

    /**
     * The topic of {@code host}'s commands. Host ids are valid topic-name parts by their schema
     * ({@code common.schema.json#/$defs/hostId}, which also keeps "dlq" from naming a host).
     */
    public static String deviceCommands(String host) {
        if (!HOST_ID.matcher(host).matches()) {
            throw new IllegalArgumentException("not a host id: '" + host + "'");
        }
        return DEVICE_COMMANDS_PREFIX + host;
    }

    /** The host a per-host command topic belongs to, or null for any other topic. */
    public static String hostOfCommands(String topic) {
        if (!topic.startsWith(DEVICE_COMMANDS_PREFIX)) {
            return null;
        }
        String host = topic.substring(DEVICE_COMMANDS_PREFIX.length());
        return HOST_ID.matcher(host).matches() ? host : null;
    }

    /** Same as the hostId pattern of common.schema.json (TopicsTest checks that they agree). */
    public static final java.util.regex.Pattern HOST_ID = java.util.regex.Pattern.compile("^(?!dlq$)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");

    /** Headers set on every dead-letter record. */
    public static final String DLQ_REASON_HEADER = "dead-letter-reason";
    public static final String DLQ_SOURCE_TOPIC_HEADER = "dead-letter-topic";
    public static final String DLQ_CONSUMER_HEADER = "dead-letter-consumer";

    private Topics() {
    }
}
