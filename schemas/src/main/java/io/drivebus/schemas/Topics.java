package io.drivebus.schemas;

import java.util.List;

/** Topic names are part of the contract (DESIGN.md). Channel name = topic name. */
public final class Topics {
    /** Keyed by library id. */
    public static final String RESERVATION_REQUESTS = "drivebus.reservation.requests";
    /** Keyed by library id. */
    public static final String RESERVATION_EVENTS = "drivebus.reservation.events";
    /** Keyed by agent host id. */
    public static final String DEVICE_COMMANDS = "drivebus.device.commands";
    /** Keyed by library id. */
    public static final String DEVICE_EVENTS = "drivebus.device.events";
    /** Keyed by library id (a library is the device whose status carries its drives and slots); compacted. */
    public static final String DEVICE_STATUS = "drivebus.device.status";

    public static final List<String> ALL = List.of(
            RESERVATION_REQUESTS, RESERVATION_EVENTS, DEVICE_COMMANDS, DEVICE_EVENTS, DEVICE_STATUS);

    /** Topics whose records change a library's reservation state: they must share one partition count. */
    public static final List<String> LIBRARY_KEYED = List.of(RESERVATION_REQUESTS, DEVICE_EVENTS, DEVICE_STATUS);

    public static String dlq(String topic) {
        return topic + ".dlq";
    }

    /** Headers set on every dead-letter record. */
    public static final String DLQ_REASON_HEADER = "dead-letter-reason";
    public static final String DLQ_SOURCE_TOPIC_HEADER = "dead-letter-topic";
    public static final String DLQ_CONSUMER_HEADER = "dead-letter-consumer";

    private Topics() {
    }
}
