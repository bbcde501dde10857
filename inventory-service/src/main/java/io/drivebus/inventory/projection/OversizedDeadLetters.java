package io.drivebus.inventory.projection;

import io.drivebus.schemas.Topics;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
 * Dead-letter copies of records too large to be copied whole. SmallRye's dead-letter strategy sends the original key
 * and value with its headers on top; for a record near the broker's size limit (1 MiB by default) that copy is refused
 * (RecordTooLargeException), the nack fails and the channel stops consuming. Such a record is dead-lettered here
 * instead, with the first {@link #KEPT_BYTES} of its value (and of a huge key) and {@value #TRUNCATED_HEADER} saying how
 * large it was.
 */
@ApplicationScoped
public class OversizedDeadLetters {
    /** Above this, key and value would not fit the broker's 1 MiB bound with the reason headers on top. */
    static final int DEAD_LETTER_BYTES = 1_000_000;
    static final int KEPT_BYTES = 64 * 1024;
    static final int REASON_CHARS = 2_000;
    static final String TRUNCATED_HEADER = "dead-letter-truncated";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    /** Every {@code kafka.*} setting (security: SASL, TLS) the service's other clients use. */
    @Inject
    @io.smallrye.common.annotation.Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private KafkaProducer<String, byte[]> producer;

    static boolean tooLarge(String key, byte[] value) {
        return (key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length) + (value == null ? 0 : value.length) > DEAD_LETTER_BYTES;
    }

    static String bounded(String reason) {
        return reason == null || reason.length() <= REASON_CHARS ? reason
                : reason.substring(0, REASON_CHARS) + "…(" + reason.length() + " chars)";
    }

    /** The cut-down copy of a record of {@code topic} at {@code partition}/{@code offset}. */
    static ProducerRecord<String, byte[]> copy(String topic, int partition, long offset, String key, byte[] value, String reason,
            String consumer) {
        int keyBytes = key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length;
        int valueBytes = value == null ? 0 : value.length;
        String k = keyBytes > KEPT_BYTES ? key.substring(0, 1_024) : key;
        byte[] v = valueBytes > KEPT_BYTES ? Arrays.copyOf(value, KEPT_BYTES) : value;
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.dlq(topic), k, v);
        r.headers().add(Topics.DLQ_REASON_HEADER, bytes(bounded(reason)));
        r.headers().add(Topics.DLQ_SOURCE_TOPIC_HEADER, bytes(topic));
        r.headers().add(Topics.DLQ_CONSUMER_HEADER, bytes(consumer));
        r.headers().add("dead-letter-partition", bytes(String.valueOf(partition)));
        r.headers().add("dead-letter-offset", bytes(String.valueOf(offset)));
        r.headers().add(TRUNCATED_HEADER, bytes("key of " + keyBytes + " bytes, value of " + valueBytes + " bytes; the first " + KEPT_BYTES
                + " bytes kept"));
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

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
