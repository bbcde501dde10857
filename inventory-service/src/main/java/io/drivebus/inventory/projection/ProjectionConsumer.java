package io.drivebus.inventory.projection;

import io.drivebus.inventory.live.ChangeFeed;
import io.drivebus.inventory.projection.Projector.Item;
import io.drivebus.schemas.DeadLetters;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.InvalidMessageException;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads the three topics the inventory is made of, a polled batch at a time. Each record is decoded and checked (its
 * key must be the library its payload names); a batch's valid records are applied in their order in ONE database
 * transaction, together with their envelope ids (so a redelivered record changes nothing) and their live-stream
 * changes, and the batch's offsets are committed only after that transaction. Why batches: a transaction (and its
 * statements' round trips) per record held the projection to a few hundred records per second.
 *
 * <p>A record that is not a valid message for its topic goes to the topic's dead-letter topic with the reason, alone;
 * the others are applied. Should the batch's transaction fail (a record the database refuses; a deadlock), it is tried
 * once more, then its records are applied one by one, each in its own transaction with retries, so that only the record
 * at fault is dead-lettered.
 */
@ApplicationScoped
public class ProjectionConsumer {

    private static final Logger LOG = Logger.getLogger(ProjectionConsumer.class);

    @Inject
    Pool pool;

    @Inject
    Projector projector;

    @Inject
    MeterRegistry metrics;

    @Inject
    ChangeFeed feed;

    @Inject
    ProjectionDeadLetters deadLetters;

    @ConfigProperty(name = "drivebus.inventory.consumer-name", defaultValue = "drivebus-inventory")
    String consumerName;

    /** Database failures of a single record are retried this often (with back-off) before it is dead-lettered. */
    @ConfigProperty(name = "drivebus.inventory.apply-retries", defaultValue = "5")
    int retries;

    private final MessageCodec codec = MessageCodec.get();
    private final Map<String, Timer> lag = new ConcurrentHashMap<>();

    @Incoming(Topics.DEVICE_STATUS)
    public Uni<Void> onDeviceStatus(KafkaRecordBatch<String, byte[]> batch) {
        return consume(Topics.DEVICE_STATUS, LibraryStatus.class, batch);
    }

    @Incoming(Topics.DEVICE_EVENTS)
    public Uni<Void> onDeviceEvent(KafkaRecordBatch<String, byte[]> batch) {
        return consume(Topics.DEVICE_EVENTS, DeviceCommandResult.class, batch);
    }

    @Incoming(Topics.RESERVATION_EVENTS)
    public Uni<Void> onReservationEvent(KafkaRecordBatch<String, byte[]> batch) {
        return consume(Topics.RESERVATION_EVENTS, ReservationEvent.class, batch);
    }

    /** A valid record of the batch, and what to apply. */
    record Polled(KafkaRecord<String, byte[]> record, Item item) {
    }

    /** A record that is not a valid message for its topic, and why. */
    record Invalid(KafkaRecord<String, byte[]> record, InvalidMessageException reason) {
    }

    /** A batch decoded: what to apply and what to dead-letter, each in the order polled. */
    record Decoded(List<Polled> valid, List<Invalid> invalid) {
    }

    Uni<Void> consume(String topic, Class<? extends Payload> expected, KafkaRecordBatch<String, byte[]> batch) {
        // decoding (parse, schema check) is most of a batch's CPU here: on a worker thread, so that it does not hold up
        // the event loops that run the database client and the live streams
        return Uni.createFrom().item(() -> decode(topic, expected, batch)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(decoded -> {
                    Uni<Void> dead = Uni.createFrom().voidItem();
                    for (Invalid i : decoded.invalid()) {
                        dead = dead.chain(() -> deadLetter(i.record(), topic, i.reason()));
                    }
                    return dead.chain(() -> applyBatch(topic, decoded.valid()));
                })
                // the offsets are committed (ack) only once every record is applied or dead-lettered
                .chain(() -> Uni.createFrom().completionStage(batch::ack));
    }

    private Decoded decode(String topic, Class<? extends Payload> expected, KafkaRecordBatch<String, byte[]> batch) {
        List<Polled> valid = new ArrayList<>();
        List<Invalid> invalid = new ArrayList<>();
        for (KafkaRecord<String, byte[]> r : batch.getRecords()) {
            String key = r.getKey();
            byte[] value = r.getPayload();
            if (value == null && Topics.DEVICE_STATUS.equals(topic) && key != null) {
                // compaction's delete marker: the agent no longer has this library
                valid.add(new Polled(r, Item.tombstone(topic, key)));
                continue;
            }
            try {
                valid.add(new Polled(r, new Item(topic, key, decode(expected, key, value), new String(value, StandardCharsets.UTF_8))));
            } catch (InvalidMessageException e) {
                invalid.add(new Invalid(r, e));
            }
        }
        return new Decoded(valid, invalid);
    }

    /** Decodes a record and checks that its key is the library its payload names. */
    Envelope<? extends Payload> decode(Class<? extends Payload> expected, String key, byte[] value) {
        Envelope<? extends Payload> envelope = codec.decode(value, expected);
        if (!envelope.payload().library().equals(key)) {
            throw new InvalidMessageException("record key '" + key + "' is not the payload's library '"
                    + envelope.payload().library() + "'");
        }
        return envelope;
    }

    private Uni<Void> applyBatch(String topic, List<Polled> batch) {
        if (batch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (batch.size() == 1) {
            return applyAlone(topic, batch.get(0));
        }
        List<Item> items = batch.stream().map(Polled::item).toList();
        return Uni.createFrom().deferred(() -> inTransaction(items))
                // a deadlock (a status and a command result on the same drives, at a library's first status) is gone on
                // the next try
                .onFailure().retry().withBackOff(Duration.ofMillis(50)).atMost(1)
                .invoke(() -> items.forEach(this::recordLag))
                .onFailure().recoverWithUni(f -> {
                    LOG.warnf("applying a batch of %d %s records failed, applying them one by one: %s", batch.size(), topic, f.toString());
                    return Multi.createFrom().iterable(batch).onItem().transformToUniAndConcatenate(p -> applyAlone(topic, p))
                            .collect().last().replaceWithVoid();
                });
    }

    /** One record in its own transaction, retried; dead-lettered with the reason if the database keeps refusing it. */
    private Uni<Void> applyAlone(String topic, Polled p) {
        return Uni.createFrom().deferred(() -> inTransaction(List.of(p.item())))
                .onFailure().invoke(f -> LOG.warnf("applying a %s record failed (will retry): %s", topic, f.toString()))
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).atMost(retries)
                .invoke(() -> recordLag(p.item()))
                .onFailure().recoverWithUni(f -> deadLetter(p.record(), topic, new ProjectionFailedException(f)));
    }

    /** The records, their envelope ids and their live-stream changes, in one transaction. */
    private Uni<Void> inTransaction(List<Item> items) {
        return pool.withTransaction(c -> projector.apply(c, items).chain(changes -> feed.notifyChanges(c, changes)));
    }

    /** Invariant 4 (DESIGN.md): projection lag is measured, from the producer's clock to our commit. */
    private void recordLag(Item item) {
        if (!item.tombstone()) {
            lag.computeIfAbsent(item.topic(), t -> metrics.timer("drivebus.inventory.projection.lag", "topic", t))
                    .record(Duration.between(item.envelope().occurredAt(), Instant.now()).abs());
        }
    }

    private Uni<Void> deadLetter(KafkaRecord<String, byte[]> record, String topic, RuntimeException reason) {
        long offset = record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> m.getOffset()).orElse(-1L);
        return deadLetter(topic, record.getPartition(), offset, record.getKey(), record.getPayload(), reason);
    }

    /**
     * Sent by our own producer, not by nacking: in batch mode SmallRye's dead-letter strategy would dead-letter every
     * record of the batch. Same headers (reason, source topic, consumer); the reason bounded so that a record with
     * thousands of schema violations still fits, a record too large to be copied whole cut down.
     */
    private Uni<Void> deadLetter(String topic, int partition, long offset, String key, byte[] value, RuntimeException reason) {
        metrics.counter("drivebus.inventory.dead.letters", "topic", topic).increment();
        LOG.warnf("%s record to %s: %s", topic, Topics.dlq(topic), DeadLetters.boundedReason(reason.getMessage()));
        var copy = ProjectionDeadLetters.deadLetter(topic, partition, offset, key, value, reason, consumerName);
        // the producer may block on the broker's metadata: not on the event loop
        return Uni.createFrom().completionStage(() -> deadLetters.send(copy)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).atMost(retries);
    }

    /** A valid record the database would not take even after retries; the reason names the cause. */
    static final class ProjectionFailedException extends RuntimeException {
        ProjectionFailedException(Throwable cause) {
            super("projection failed: " + cause, cause);
        }
    }
}
