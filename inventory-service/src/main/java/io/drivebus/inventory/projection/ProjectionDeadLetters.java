package io.drivebus.inventory.projection;

import io.drivebus.schemas.DeadLetters;
import io.drivebus.schemas.Topics;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Every dead letter of the projection. Since it reads in batches, SmallRye's dead-letter strategy is not used: a
 * record is dead-lettered here, whole with the same headers SmallRye would add ({@link #deadLetter}), or, when too
 * large to be copied whole, cut down by the common rule ({@link DeadLetters}). (SmallRye's copy of a record near the
 * broker's size limit, 1 MiB by default, would be refused with RecordTooLargeException, and the channel would stop.)
 */
@ApplicationScoped
public class ProjectionDeadLetters {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    /** Every {@code kafka.*} setting (security: SASL, TLS) the service's other clients use. */
    @Inject
    @io.smallrye.common.annotation.Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private KafkaProducer<String, byte[]> producer;

    static boolean tooLarge(String key, byte[] value) {
        return DeadLetters.tooLarge(DeadLetters.size(key), DeadLetters.size(value));
    }

    /** The cut-down copy of a record of {@code topic} at {@code partition}/{@code offset}. */
    static ProducerRecord<String, byte[]> copy(String topic, int partition, long offset, String key, byte[] value, String reason,
            String consumer) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.dlq(topic), DeadLetters.keptKey(key), DeadLetters.keptValue(value));
        DeadLetters.addReason(r.headers(), reason, topic, consumer);
        r.headers().add("dead-letter-partition", String.valueOf(partition).getBytes(StandardCharsets.UTF_8));
        r.headers().add("dead-letter-offset", String.valueOf(offset).getBytes(StandardCharsets.UTF_8));
        DeadLetters.addTruncated(r.headers(), DeadLetters.size(key), DeadLetters.size(value));
        return r;
    }

    /**
     * The dead letter of a record consumed in a batch, where SmallRye's strategy would dead-letter the whole batch: the
     * original key and value with the headers that strategy sets, or the cut-down copy when they are too large for that.
     */
    static ProducerRecord<String, byte[]> deadLetter(String topic, int partition, long offset, String key, byte[] value,
            RuntimeException reason, String consumer) {
        if (tooLarge(key, value)) {
            return copy(topic, partition, offset, key, value, reason.getMessage(), consumer);
        }
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.dlq(topic), key, value);
        DeadLetters.addReason(r.headers(), reason.getMessage(), topic, consumer);
        r.headers().add("dead-letter-partition", String.valueOf(partition).getBytes(StandardCharsets.UTF_8));
        r.headers().add("dead-letter-offset", String.valueOf(offset).getBytes(StandardCharsets.UTF_8));
        r.headers().add("dead-letter-exception-class-name", reason.getClass().getName().getBytes(StandardCharsets.UTF_8));
        if (reason.getCause() != null) {
            r.headers().add("dead-letter-cause", DeadLetters.boundedReason(reason.getCause().toString()).getBytes(StandardCharsets.UTF_8));
        }
        return r;
    }

    CompletionStage<Void> send(ProducerRecord<String, byte[]> record) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        producer().send(record, (md, e) -> {
            if (e == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Properties p = new Properties();
            if (kafkaConfig != null) {
                kafkaConfig.forEach((k, v) -> {
                    if (!k.startsWith("group.") && !k.contains("deserializer") && !k.contains("serializer")) {
                        p.put(k, v);
                    }
                });
            }
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "inventory-dead-letters-" + ProcessHandle.current().pid());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
            producer = new KafkaProducer<>(p);
        }
        return producer;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(5));
        }
    }
}
