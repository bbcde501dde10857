package io.drivebus.reservation.streams;

import io.drivebus.schemas.Topics;
import java.time.Duration;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.state.Stores;

/**
 * One processor per library partition. Its three inputs are all keyed by library id and share one partition
 * count, so a library's requests, command results and status reach one task. Statuses and command results are
 * relayed onto the requests topic and decided when they come back from it, as are the processor's own ticks: the
 * requests partition is the one order a library's decisions follow, which a replay repeats.
 */
public final class ReservationTopology {

    public static final String LIBRARIES_STORE = "libraries";
    /**
     * The request ids already decided ({@link SeenRequests}). Renamed from {@code seen-requests} when ids came to be
     * stored by half-hour: the old store's ids, at their own times, would not be found by the new lookups.
     */
    public static final String SEEN_REQUESTS_STORE = "seen-requests-sliced";
    /** Each library's slots, apart from the rest of its state ({@link LibraryStates}). */
    public static final String SLOTS_STORE = "library-slots";
    /** Each drive of each library, keyed {@code library/drive} ({@link LibraryStates}). */
    public static final String DRIVES_STORE = "library-drives";
    /** Each live reservation of each library, keyed {@code library/reservation} ({@link LibraryStates}). */
    public static final String RESERVATIONS_STORE = "library-reservations";
    /** Every key-value store of the processor, and its serde (a library's record is encoded by {@link LibraryStates}). */
    static final java.util.Map<String, Serde<?>> KEY_VALUE_STORES = java.util.Map.of(LIBRARIES_STORE, Serdes.ByteArray(),
            SLOTS_STORE, StateSerde.SLOTS, DRIVES_STORE, StateSerde.DRIVE, RESERVATIONS_STORE, StateSerde.RESERVATION);

    static final String PROCESSOR = "reservation-processor";
    static final String EVENTS_SINK = "events";
    static final String COMMANDS_SINK = "commands";
    /**
     * The requests topic inside the transaction: relays, ticks and forwards go there only where no {@link RequestsLog}
     * is given (on the topology test driver, which loops them back); the service appends them outside it.
     */
    static final String FORWARD_SINK = "forward";

    static String dlqSink(String topic) {
        return "dlq-" + topic;
    }

    public static Topology build(Duration tickInterval, String source) {
        return build(tickInterval, source, false);
    }

    public static Topology build(Duration tickInterval, String source, boolean unloadOnExpiry) {
        return build(tickInterval, source, unloadOnExpiry, null);
    }

    /** Every host's command topic taken to exist: for tests on a topology test driver, which has every topic. */
    public static Topology build(Duration tickInterval, String source, boolean unloadOnExpiry,
            io.drivebus.reservation.auth.Security security) {
        return build(tickInterval, source, unloadOnExpiry, security, host -> true, null, true);
    }

    /**
     * @param security null to accept unsigned records (a closed dev setup)
     * @param commandTopicExists whether a host's command topic exists: a status from a host without one is refused
     */
    public static Topology build(Duration tickInterval, String source, boolean unloadOnExpiry,
            io.drivebus.reservation.auth.Security security, Predicate<String> commandTopicExists) {
        return build(tickInterval, source, unloadOnExpiry, security, commandTopicExists, null, true);
    }

    /** @param requestsLog what the service appends to the requests topic goes there, outside the transaction */
    static Topology build(Duration tickInterval, String source, boolean unloadOnExpiry, io.drivebus.reservation.auth.Security security,
            Predicate<String> commandTopicExists, RequestsLog requestsLog) {
        return build(tickInterval, source, unloadOnExpiry, security, commandTopicExists, requestsLog, true);
    }

    /** @param persistentStores false only for measuring our own code without RocksDB (ProcessorCost) */
    static Topology build(Duration tickInterval, String source, boolean unloadOnExpiry,
            io.drivebus.reservation.auth.Security security, Predicate<String> commandTopicExists, RequestsLog requestsLog,
            boolean persistentStores) {
        Topology t = new Topology();
        for (String in : Topics.LIBRARY_KEYED) {
            t.addSource("source-" + in, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), in);
        }
        t.addProcessor(PROCESSOR, () -> new ReservationProcessor(tickInterval, source, unloadOnExpiry, security, commandTopicExists,
                requestsLog),
                Topics.LIBRARY_KEYED.stream().map(in -> "source-" + in).toArray(String[]::new));
        KEY_VALUE_STORES.forEach((name, serde) -> t.addStateStore(Stores.keyValueStoreBuilder(persistentStores
                ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name), Serdes.String(), serde)
                .withCachingDisabled(), PROCESSOR));
        t.addStateStore(Stores.windowStoreBuilder(
                persistentStores ? Stores.persistentWindowStore(SEEN_REQUESTS_STORE, SeenRequests.STORE_RETENTION, Duration.ofMillis(1), false)
                        : Stores.inMemoryWindowStore(SEEN_REQUESTS_STORE, SeenRequests.STORE_RETENTION, Duration.ofMillis(1), false),
                Serdes.String(), Serdes.Long()).withCachingDisabled(), PROCESSOR);
        t.addSink(EVENTS_SINK, Topics.RESERVATION_EVENTS, Serdes.String().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        // each host's commands on its own topic, so Kafka's ACLs let an agent read its host's commands only
        t.addSink(COMMANDS_SINK, (String host, byte[] value, RecordContext ctx) -> Topics.deviceCommands(host),
                Serdes.String().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        t.addSink(FORWARD_SINK, Topics.RESERVATION_REQUESTS, Serdes.String().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        for (String in : Topics.LIBRARY_KEYED) {
            t.addSink(dlqSink(in), Topics.dlq(in), Serdes.String().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        }
        return t;
    }

    private ReservationTopology() {
    }
}
