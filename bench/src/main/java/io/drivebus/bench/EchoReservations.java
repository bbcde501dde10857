package io.drivebus.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The throughput ceiling of this machine: a Kafka Streams application that answers the load generator's reserves and
 * releases on the real topics, with the reservation-service's own Streams settings (read from its
 * application.properties), but decides nothing. A reserve is answered granted + ready, a release released; no
 * schema check, no library, no queue. The closed loop run against it measures what the broker, the load generator
 * and Streams' own consume-produce-commit cost on these cores: no reservation-service can pass it here. Its
 * {@code --state}:
 * <ul>
 * <li>{@code none}: nothing stored;
 * <li>{@code reservations}: each live reservation in one RocksDB store with a changelog (put on reserve, delete on
 * release);
 * <li>{@code answered-once}: that, and each request's id in a second store, looked up before it is answered: the
 * least a service must keep to answer a request sent twice only once (DESIGN.md's invariant) and to know, after a
 * failover, who holds what.
 * </ul>
 * Less than a service must keep at every level: the fencing tokens and the reservations' drives are in memory only.
 *
 * <pre>
 * EchoReservations --bootstrap B --state-dir D --service-properties reservation-service/src/main/resources/application.properties
 *                  [--state none|reservations|answered-once]
 * </pre>
 * Prints {@code echo running} once its tasks are assigned.
 */
public final class EchoReservations {

    static final String STORE = "echo-reservations";
    static final String SEEN_STORE = "echo-seen-requests";
    private static final byte[] SEEN = {1};

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv, 0);
        State state = State.of(a.str("state", "none"));
        Properties p = streamsSettings(Path.of(a.required("service-properties")));
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "drivebus-bench-echo-" + state.name + "-" + UUID.randomUUID());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, a.required("bootstrap"));
        p.put(StreamsConfig.STATE_DIR_CONFIG, a.required("state-dir"));
        // only the requests of this run: the topic holds the earlier scenarios' too
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "latest");

        CountDownLatch stopped = new CountDownLatch(1);
        KafkaStreams streams = new KafkaStreams(topology(state), p);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                System.out.println("echo running");
                System.out.flush();
            } else if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopped.countDown();
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(streams::close));
        streams.start();
        stopped.await();
        System.exit(streams.state() == KafkaStreams.State.ERROR ? 1 : 0);
    }

    /** What the echo stores. */
    enum State {
        NONE("none"), RESERVATIONS("reservations"), ANSWERED_ONCE("answered-once");

        final String name;

        State(String name) {
            this.name = name;
        }

        static State of(String name) {
            for (State s : values()) {
                if (s.name.equals(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("--state: none, reservations or answered-once, not '" + name + "'");
        }

        List<String> stores() {
            return this == NONE ? List.of() : this == RESERVATIONS ? List.of(STORE) : List.of(STORE, SEEN_STORE);
        }
    }

    static Topology topology(State state) {
        StreamsBuilder b = new StreamsBuilder();
        for (String store : state.stores()) {
            b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), Serdes.String(), Serdes.ByteArray()));
        }
        b.stream(Topics.RESERVATION_REQUESTS, Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .process(() -> new Echo(state), state.stores().toArray(String[]::new))
                .to(Topics.RESERVATION_EVENTS, Produced.with(Serdes.String(), Serdes.ByteArray()));
        return b.build();
    }

    /**
     * The reservation-service's {@code kafka-streams.*} settings, without those that name its own application,
     * directory or classes ({@code application.id}, {@code state.dir}, the RocksDB setter and its {@code drivebus.*}
     * options) and without profile lines ({@code %test.}).
     */
    static Properties streamsSettings(Path applicationProperties) {
        Properties file = new Properties();
        try {
            file.load(Files.newBufferedReader(applicationProperties, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties p = new Properties();
        for (String k : file.stringPropertyNames()) {
            if (!k.startsWith("kafka-streams.")) {
                continue;
            }
            String s = k.substring("kafka-streams.".length());
            if (s.equals(StreamsConfig.APPLICATION_ID_CONFIG) || s.equals(StreamsConfig.STATE_DIR_CONFIG)
                    || s.equals(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG) || s.startsWith("drivebus.")) {
                continue;
            }
            p.put(s, file.getProperty(k));
        }
        if (!p.containsKey(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)) {
            throw new IllegalStateException("no kafka-streams settings in " + applicationProperties);
        }
        return p;
    }

    /** Answers each request without deciding anything; fields the load generator reads are filled, the rest plain. */
    static final class Echo implements Processor<String, byte[], String, byte[]> {
        private static final String SOURCE = "bench/echo";
        private final ObjectMapper mapper = MessageCodec.get().mapper();
        private final State state;
        private final Map<String, Long> tokens = new HashMap<>();
        /** Live reservations by id: what a release names. In memory even with the store, which is only written. */
        private final Map<String, Held> live = new HashMap<>();
        private ProcessorContext<String, byte[]> context;
        private KeyValueStore<String, byte[]> store;
        private KeyValueStore<String, byte[]> seen;

        Echo(State state) {
            this.state = state;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            if (state != State.NONE) {
                store = context.getStateStore(STORE);
            }
            if (state == State.ANSWERED_ONCE) {
                seen = context.getStateStore(SEEN_STORE);
            }
        }

        @Override
        public void process(Record<String, byte[]> r) {
            JsonNode req;
            try {
                req = mapper.readTree(r.value());
            } catch (IOException e) {
                return; // not ours to judge: the load generator sends only valid requests
            }
            String type = req.path("type").asText();
            String id = req.path("id").asText();
            JsonNode payload = req.path("payload");
            String library = payload.path("library").asText();
            Owner owner = new Owner(payload.path("owner").path("key").asText(), payload.path("owner").path("site").asText());
            Instant now = Instant.ofEpochMilli(r.timestamp());
            if (seen != null) {
                String key = library + "/" + id;
                if (seen.get(key) != null) {
                    return; // answered before
                }
                seen.put(key, SEEN);
            }
            if (type.equals("reserve")) {
                int slot = payload.path("slot").asInt();
                String drive = library + "-d" + slot;
                String reservation = UUID.randomUUID().toString();
                long token = tokens.merge(drive, 1L, Long::sum);
                Instant lease = now.plusSeconds(600);
                live.put(reservation, new Held(drive, token));
                if (store != null) {
                    store.put(library + "/" + reservation, r.value());
                }
                emit(r, library, id, new ReservationGranted(library, reservation, owner, null, drive, SyntheticLibraries.HOST,
                        "/dev/nst" + slot, slot, null, token, lease, false));
                emit(r, library, id, new ReservationReady(library, reservation, owner, drive, "/dev/nst" + slot, slot, null, null, token, lease));
            } else if (type.equals("release")) {
                String reservation = payload.path("reservationId").asText();
                Held held = live.remove(reservation);
                if (held == null) {
                    return; // the load generator releases only what it was granted here
                }
                if (store != null) {
                    store.delete(library + "/" + reservation);
                }
                emit(r, library, id, new ReservationReleased(library, reservation, owner, held.drive(), held.token()));
            }
        }

        private record Held(String drive, long token) {
        }

        private void emit(Record<String, byte[]> r, String library, String correlationId, io.drivebus.schemas.Payload payload) {
            try {
                byte[] value = mapper.writeValueAsBytes(Envelope.of(UUID.randomUUID().toString(), Instant.ofEpochMilli(r.timestamp()), SOURCE,
                        correlationId, payload));
                context.forward(new Record<>(library, value, r.timestamp()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
