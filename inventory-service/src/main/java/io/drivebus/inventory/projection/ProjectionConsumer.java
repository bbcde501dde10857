package io.drivebus.inventory.projection;

import io.drivebus.inventory.live.Change;
import io.drivebus.inventory.live.ChangeFeed;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.InvalidMessageException;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.DeadLetters;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.logging.Logger;

/**
 * Reads the three topics the inventory is made of. Each record is decoded, checked (its key must be the library
 * its payload names) and applied in one database transaction together with its envelope id, so a redelivered
 * record changes nothing. A record that is not a valid message for its topic goes to the topic's dead-letter
 * topic with the reason (SmallRye's dead-letter-queue failure strategy, fed by our nack), and the next is read.
 */
@ApplicationScoped
public class ProjectionConsumer {

    private static final Logger LOG = Logger.getLogger(ProjectionConsumer.class);

    @Inject
    Mutiny.SessionFactory sessions;

    @Inject
    Projector projector;

    @Inject
    MeterRegistry metrics;

    @Inject
    ChangeFeed feed;

    @Inject
    OversizedDeadLetters oversized;

    @ConfigProperty(name = "drivebus.inventory.consumer-name", defaultValue = "drivebus-inventory")
    String consumerName;

    /** Database failures are retried this often (with back-off) before the record is dead-lettered. */
    @ConfigProperty(name = "drivebus.inventory.apply-retries", defaultValue = "5")
    int retries;

    private final MessageCodec codec = MessageCodec.get();

    @Incoming(Topics.DEVICE_STATUS)
    public Uni<Void> onDeviceStatus(Message<byte[]> record) {
        return consume(Topics.DEVICE_STATUS, LibraryStatus.class, record);
    }

    @Incoming(Topics.DEVICE_EVENTS)
    public Uni<Void> onDeviceEvent(Message<byte[]> record) {
        return consume(Topics.DEVICE_EVENTS, DeviceCommandResult.class, record);
    }

    @Incoming(Topics.RESERVATION_EVENTS)
    public Uni<Void> onReservationEvent(Message<byte[]> record) {
        return consume(Topics.RESERVATION_EVENTS, ReservationEvent.class, record);
    }

    Uni<Void> consume(String topic, Class<? extends Payload> expected, Message<byte[]> record) {
        String key = record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> (String) m.getKey()).orElse(null);
        byte[] value = record.getPayload();
        if (value == null && Topics.DEVICE_STATUS.equals(topic) && key != null) {
            // compaction's delete marker: the agent no longer has this library
            return inTransaction(s -> projector.removeLibrary(s, key).chain(() -> feed.notify(s, Change.removed(key))), record, topic);
        }
        Envelope<? extends Payload> envelope;
        try {
            envelope = decode(expected, key, value);
        } catch (InvalidMessageException e) {
            return deadLetter(record, topic, e);
        }
        Envelope<? extends Payload> e = envelope;
        return inTransaction(s -> apply(s, topic, e, value, true).invoke(() -> recordLag(topic, e.occurredAt())), record, topic);
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

    /**
     * Applies a decoded record once (by envelope id), inside the caller's transaction; with {@code live}, also tells
     * the change to every replica's live stream (on commit).
     */
    Uni<Void> apply(Mutiny.Session s, String topic, Envelope<? extends Payload> e, byte[] value, boolean live) {
        String json = new String(value, StandardCharsets.UTF_8);
        return projector.firstTime(s, e.id(), topic).chain(first -> {
            if (!first) {
                LOG.debugf("%s %s already applied, skipped", e.type(), e.id());
                return Uni.createFrom().voidItem();
            }
            Uni<Void> applied = projector.apply(s, e, json);
            return live ? applied.chain(() -> feed.notify(s, Projector.change(e))) : applied;
        });
    }

    private Uni<Void> inTransaction(java.util.function.Function<Mutiny.Session, Uni<Void>> work, Message<byte[]> record, String topic) {
        // Hibernate Reactive must run on the record's Vert.x context; retries re-subscribe from a timer thread,
        // so every attempt is explicitly started on that context.
        Context context = Vertx.currentContext();
        Executor onContext = context == null ? Runnable::run : task -> context.runOnContext(v -> task.run());
        return Uni.createFrom().deferred(() -> sessions.withTransaction((s, tx) -> work.apply(s)))
                .runSubscriptionOn(onContext)
                .onFailure().invoke(f -> LOG.warnf("applying a %s record failed (will retry): %s", topic, f.toString()))
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).atMost(retries)
                .onItemOrFailure().transformToUni((ok, failure) -> failure == null
                        ? Uni.createFrom().completionStage(record::ack)
                        : deadLetter(record, topic, new ProjectionFailedException(failure)));
    }

    /** Invariant 4 (DESIGN.md): projection lag is measured, from the producer's clock to our commit. */
    private void recordLag(String topic, Instant occurredAt) {
        metrics.timer("drivebus.inventory.projection.lag", "topic", topic)
                .record(Duration.between(occurredAt, Instant.now()).abs());
    }

    private Uni<Void> deadLetter(Message<byte[]> record, String topic, RuntimeException reason) {
        metrics.counter("drivebus.inventory.dead.letters", "topic", topic).increment();
        LOG.warnf("%s record to %s: %s", topic, Topics.dlq(topic), DeadLetters.boundedReason(reason.getMessage()));
        var incoming = record.getMetadata(IncomingKafkaRecordMetadata.class);
        String key = incoming.map(m -> (String) m.getKey()).orElse(null);
        if (OversizedDeadLetters.tooLarge(key, record.getPayload())) {
            // too large to be copied whole with the headers on top: a cut-down copy, then on to the next record
            var copy = OversizedDeadLetters.copy(topic, incoming.map(m -> m.getPartition()).orElse(-1),
                    incoming.map(m -> m.getOffset()).orElse(-1L), key, record.getPayload(), reason.getMessage(), consumerName);
            return Uni.createFrom().completionStage(() -> oversized.send(copy)).chain(() -> Uni.createFrom().completionStage(record::ack));
        }
        // the reason becomes a header: bounded, so that a record with thousands of schema violations still fits
        RuntimeException why = reason.getMessage() != null && reason.getMessage().length() > DeadLetters.REASON_CHARS
                ? new InvalidMessageException(DeadLetters.boundedReason(reason.getMessage())) : reason;
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.DLQ_CONSUMER_HEADER, consumerName.getBytes(StandardCharsets.UTF_8));
        // SmallRye's dead-letter strategy sends the original key and value to the configured topic and sets
        // dead-letter-reason to reason.getMessage() and dead-letter-topic to the source topic
        Metadata extra = Metadata.of(OutgoingKafkaRecordMetadata.builder().withHeaders(headers).build());
        return Uni.createFrom().completionStage(() -> record.nack(why, extra));
    }

    /** A valid record the database would not take even after retries; the reason names the cause. */
    static final class ProjectionFailedException extends RuntimeException {
        ProjectionFailedException(Throwable cause) {
            super("projection failed: " + cause, cause);
        }
    }
}
