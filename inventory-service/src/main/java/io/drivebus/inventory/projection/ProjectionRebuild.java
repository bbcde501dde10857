package io.drivebus.inventory.projection;

import io.agroal.api.AgroalDataSource;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.InvalidMessageException;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

/**
 * Builds the inventory again from the topics alone, into an empty PostgreSQL schema: the check of invariant 4
 * (the read model is a function of the topics) and the way to a new read model after a schema change.
 *
 * <p>It reads every partition of the three input topics from the beginning up to the end offsets it found when it
 * started (read_committed, no consumer group: it commits nothing and disturbs no replica), and applies the records
 * with the live projection's own code, each in a transaction whose {@code search_path} is the target schema.
 * Records are applied in timestamp order across partitions (each partition's own order kept; ties: status, then
 * device events, then reservation events), which is the order they happened in. Records the live consumer
 * dead-lettered are skipped here too. Nothing is told to the live stream. The replay is held in memory: meant for
 * a check or an offline rebuild, not for topics larger than the heap.
 */
@ApplicationScoped
public class ProjectionRebuild {

    private static final Logger LOG = Logger.getLogger(ProjectionRebuild.class);
    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final List<String> TOPICS = List.of(Topics.DEVICE_STATUS, Topics.DEVICE_EVENTS, Topics.RESERVATION_EVENTS);

    @Inject
    Pool pool;

    @Inject
    ProjectionConsumer projection;

    @Inject
    Projector projector;

    @Inject
    AgroalDataSource dataSource;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    public record Result(String schema, int applied, int skipped) {
    }

    /** Blocking; not on an event-loop thread. Creates {@code schema} (it must not hold a projection yet). */
    public Result rebuildInto(String schema) {
        if (!SCHEMA.matcher(schema).matches() || schema.equals("public")) {
            throw new IllegalArgumentException("not a schema to rebuild into: " + schema);
        }
        Flyway.configure().dataSource(dataSource).schemas(schema).createSchemas(true).locations("classpath:db/migration")
                .load().migrate();
        List<ConsumerRecord<String, byte[]>> records = readAll();
        int applied = 0;
        int skipped = 0;
        for (ConsumerRecord<String, byte[]> r : records) {
            if (!valid(r)) {
                skipped++;
                continue;
            }
            try {
                pool.withTransaction(c -> c.query("SET LOCAL search_path TO " + schema).execute()
                                .chain(() -> projector.apply(c, List.of(item(r)))))
                        .await().atMost(Duration.ofSeconds(30));
                applied++;
            } catch (RuntimeException e) {
                LOG.debugf("rebuild: %s record at %s-%d@%d not applied (the live consumer dead-lettered it too): %s", r.topic(),
                        r.topic(), r.partition(), r.offset(), e.toString());
                skipped++;
            }
        }
        LOG.infof("rebuilt the inventory into schema %s: %d records applied, %d skipped", schema, applied, skipped);
        return new Result(schema, applied, skipped);
    }

    /** Whether the record is a valid message for its topic (the live consumer dead-lettered the others). */
    private boolean valid(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return r.key() != null && Topics.DEVICE_STATUS.equals(r.topic());
        }
        try {
            projection.decode(expected(r.topic()), r.key(), r.value());
            return true;
        } catch (InvalidMessageException e) {
            return false;
        }
    }

    private Projector.Item item(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return Projector.Item.tombstone(r.topic(), r.key());
        }
        Envelope<? extends Payload> e = projection.decode(expected(r.topic()), r.key(), r.value());
        return new Projector.Item(r.topic(), r.key(), e, new String(r.value(), java.nio.charset.StandardCharsets.UTF_8));
    }

    private static Class<? extends Payload> expected(String topic) {
        return switch (topic) {
            case Topics.DEVICE_STATUS -> LibraryStatus.class;
            case Topics.DEVICE_EVENTS -> DeviceCommandResult.class;
            default -> ReservationEvent.class;
        };
    }

    private List<ConsumerRecord<String, byte[]>> readAll() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "inventory-rebuild-" + ProcessHandle.current().pid());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : TOPICS) {
                c.partitionsFor(t).forEach(i -> parts.add(new TopicPartition(t, i.partition())));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = new HashMap<>(c.endOffsets(parts));
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the topics to their end within 5 minutes");
                }
                c.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        all.add(r);
                    }
                });
            }
        }
        // stable sort: each partition's order is kept (offsets ascend with timestamps only if producers' clocks do)
        Comparator<ConsumerRecord<String, byte[]>> order = Comparator.<ConsumerRecord<String, byte[]>>comparingLong(ConsumerRecord::timestamp)
                .thenComparingInt(r -> TOPICS.indexOf(r.topic()));
        List<ConsumerRecord<String, byte[]>> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparing((ConsumerRecord<String, byte[]> r) -> r.topic()).thenComparingInt(ConsumerRecord::partition)
                .thenComparingLong(ConsumerRecord::offset));
        return mergeByTime(sorted, order);
    }

    /** K-way merge of the partitions (each already in offset order) by {@code order} of their heads. */
    private static List<ConsumerRecord<String, byte[]>> mergeByTime(List<ConsumerRecord<String, byte[]>> byPartition,
            Comparator<ConsumerRecord<String, byte[]>> order) {
        Map<TopicPartition, java.util.ArrayDeque<ConsumerRecord<String, byte[]>>> queues = new java.util.LinkedHashMap<>();
        byPartition.forEach(r -> queues.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new java.util.ArrayDeque<>()).add(r));
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>(byPartition.size());
        while (true) {
            java.util.ArrayDeque<ConsumerRecord<String, byte[]>> next = null;
            for (var q : queues.values()) {
                if (!q.isEmpty() && (next == null || order.compare(q.peek(), next.peek()) < 0)) {
                    next = q;
                }
            }
            if (next == null) {
                return out;
            }
            out.add(next.poll());
        }
    }
}
