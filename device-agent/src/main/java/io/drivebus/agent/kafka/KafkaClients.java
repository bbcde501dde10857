package io.drivebus.agent.kafka;

import io.drivebus.agent.AgentConfig;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import io.drivebus.schemas.auth.MessageSignature;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Plain Kafka clients for the agent. Everything under {@code kafka.*} (bootstrap servers, security) applies to
 * both; the settings below are the agent's own and win. The one producer is idempotent with acks=all: a result
 * that was acknowledged is on every in-sync replica, and a retried send is not duplicated.
 */
@ApplicationScoped
public class KafkaClients {
    private static final Logger LOG = Logger.getLogger(KafkaClients.class);

    public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    AgentConfig config;

    private KafkaProducer<byte[], byte[]> producer;
    private volatile boolean connected;
    private volatile boolean closed;

    private Map<String, Object> common() {
        Map<String, Object> m = new HashMap<>(kafkaConfig);
        m.putIfAbsent(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, DEFAULT_BOOTSTRAP);
        m.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return m;
    }

    public String groupId() {
        return "drivebus-agent-" + config.host();
    }

    /**
     * A consumer for commands: offsets are committed by hand after a command is handled, and only committed
     * records of the (transactional) reservation-service are read.
     */
    public KafkaConsumer<byte[], byte[]> newCommandConsumer() {
        Map<String, Object> m = common();
        m.put(ConsumerConfig.GROUP_ID_CONFIG, groupId());
        m.put(ConsumerConfig.CLIENT_ID_CONFIG, "drivebus-agent-" + config.host() + "-commands");
        m.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // a first start reads what was sent while the agent was not yet running: fencing refuses what is stale
        m.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        m.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        m.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
        m.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        m.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(m);
    }

    private synchronized KafkaProducer<byte[], byte[]> producer() {
        if (closed) {
            throw new IllegalStateException("agent is shutting down");
        }
        if (producer == null) {
            Map<String, Object> m = common();
            m.put(ProducerConfig.CLIENT_ID_CONFIG, "drivebus-agent-" + config.host());
            m.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            m.put(ProducerConfig.ACKS_CONFIG, "all");
            m.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            // a send waits at most this long for metadata; the caller retries, readiness shows the outage
            m.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
            m.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
            m.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
            m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            producer = new KafkaProducer<>(m);
        }
        return producer;
    }

    /** Sends (signed, when the agent has a secret); the future completes when the broker acknowledged (or the send failed). */
    public CompletableFuture<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
        if (config.secret().isPresent() && record.value() != null) {
            MessageSignature.sign(record.headers(), record.value(), config.signingPrincipal(),
                    config.secret().get().getBytes(StandardCharsets.UTF_8));
        }
        try {
            producer().send(record, (md, e) -> {
                if (e == null) {
                    connected = true;
                    f.complete(md);
                } else {
                    connected = false;
                    f.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            connected = false;
            f.completeExceptionally(e);
        }
        return f;
    }

    /**
     * Creates this host's command topic (one partition, the broker's replication): true when it was created or
     * already existed, false when it could not be (the agent may not create topics where Kubernetes declares them).
     */
    public boolean createCommandTopic(String topic) {
        try (Admin admin = Admin.create(common())) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty()))).all().get(30, TimeUnit.SECONDS);
            LOG.infof("created command topic %s", topic);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return true;
            }
            LOG.warnf("could not create command topic %s (%s); waiting for it to be declared", topic, e.getCause().toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (TimeoutException e) {
            LOG.warnf("creating command topic %s timed out; waiting for it", topic);
            return false;
        }
    }

    public static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }

    /** True once a send was acknowledged, false again after a send failed. */
    public boolean producerConnected() {
        return connected;
    }

    @PreDestroy
    synchronized void close() {
        closed = true;
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
