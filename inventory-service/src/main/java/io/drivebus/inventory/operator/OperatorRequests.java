package io.drivebus.inventory.operator;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.InvalidMessageException;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationRequest;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Sends an operator's request to the reservation-service and waits for its answer.
 *
 * <p>Why not the projection's own consumer: replicas share one consumer group, so the answer to a request sent
 * by this replica may be projected by another one. Like the client library, this reader joins no group: it
 * {@code assign()}s the events partition the library key maps to, takes its end offset <em>before</em> the
 * request is sent (the answer cannot be missed), reads {@code read_committed} (the service answers inside
 * transactions) and completes the call whose request id is the event's correlationId. A partition nobody waits
 * on is dropped after a while.
 */
@ApplicationScoped
public class OperatorRequests {

    private static final Logger LOG = Logger.getLogger(OperatorRequests.class);
    static final String SOURCE = "inventory-service";
    private static final Duration IDLE_UNASSIGN = Duration.ofSeconds(30);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    /**
     * The principal operator actions are signed with, and its secret shared with the reservation-service (which,
     * enforcing authentication, accepts them only from a principal with the operator roles).
     */
    @ConfigProperty(name = "drivebus.inventory.principal")
    java.util.Optional<String> principal;

    @ConfigProperty(name = "drivebus.inventory.secret")
    java.util.Optional<String> secret;

    /** How long an action waits for the reservation-service's answer before it answers 504 itself. */
    @ConfigProperty(name = "drivebus.inventory.action-timeout", defaultValue = "30s")
    Duration timeout;

    private final MessageCodec codec = MessageCodec.get();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final BlockingQueue<Runnable> pollTasks = new LinkedBlockingQueue<>();
    /** Poll thread only: assigned partitions and when each was last needed. */
    private final Map<TopicPartition, Long> assigned = new HashMap<>();
    private KafkaProducer<String, byte[]> producer;
    private KafkaConsumer<String, byte[]> consumer;
    private Thread pollThread;
    private volatile boolean running;

    /** What came of a request: the answering event, or none when the caller did not wait. */
    public record Outcome(String requestId, Envelope<? extends Payload> answer) {
    }

    /** The request went out but nothing answered in time; it may still be carried out. */
    public static final class NoAnswerException extends RuntimeException {
        final String requestId;

        NoAnswerException(String requestId, Duration after) {
            super("no answer from the reservation-service within " + after.toSeconds() + " s; request " + requestId
                    + " was sent and may still be carried out");
            this.requestId = requestId;
        }
    }

    private record Pending(String requestId, TopicPartition partition, CompletableFuture<Outcome> future) {
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * Publishes {@code request} (key = its library) under a fresh envelope id. With {@code wait}, the future
     * completes with the event that ends the request, or fails with {@link NoAnswerException} after the timeout.
     */
    public CompletableFuture<Outcome> send(ReservationRequest request, boolean wait) {
        Envelope<ReservationRequest> envelope = Envelope.of(SOURCE, null, request);
        byte[] value;
        try {
            value = codec.encode(envelope);
        } catch (InvalidMessageException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(e.getMessage(), e));
        }
        start();
        String library = request.library();
        if (!wait) {
            return publish(library, value).thenApply(v -> new Outcome(envelope.id(), null));
        }
        TopicPartition tp;
        try {
            tp = new TopicPartition(Topics.RESERVATION_EVENTS, partitionFor(library, producer.partitionsFor(Topics.RESERVATION_EVENTS).size()));
        } catch (KafkaException e) {
            return CompletableFuture.failedFuture(e);
        }
        Pending call = new Pending(envelope.id(), tp, new CompletableFuture<>());
        pending.put(call.requestId, call);
        CompletableFuture<Outcome> result = call.future.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(e -> {
                    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                    throw cause instanceof java.util.concurrent.TimeoutException
                            ? new NoAnswerException(call.requestId, timeout)
                            : cause instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(cause);
                })
                .whenComplete((v, e) -> pending.remove(call.requestId));
        CompletableFuture<Void> listening = new CompletableFuture<>();
        pollTasks.add(() -> listen(tp, listening));
        consumer.wakeup();
        listening.thenCompose(v -> publish(library, value)).whenComplete((v, e) -> {
            if (e != null) {
                call.future.completeExceptionally(e);
            }
        });
        return result;
    }

    private CompletableFuture<Void> publish(String library, byte[] value) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        try {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.RESERVATION_REQUESTS, library, value);
            if (principal.isPresent()) {
                io.drivebus.schemas.auth.MessageSignature.sign(record.headers(), value, principal.get(),
                        secret.orElseThrow(() -> new IllegalStateException("drivebus.inventory.principal is set but drivebus.inventory.secret is not"))
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            producer.send(record, (md, e) -> {
                if (e != null) {
                    sent.completeExceptionally(e);
                } else {
                    sent.complete(null);
                }
            });
        } catch (KafkaException | IllegalStateException e) {
            sent.completeExceptionally(e);
        }
        return sent;
    }

    /** Kafka's default partitioner for a String key: the partition the service's answers for this library land on. */
    static int partitionFor(String library, int partitions) {
        return Utils.toPositive(Utils.murmur2(library.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private synchronized void start() {
        if (running) {
            return;
        }
        producer = new KafkaProducer<>(producerProps());
        consumer = new KafkaConsumer<>(consumerProps());
        running = true;
        pollThread = new Thread(this::pollLoop, "inventory-operator-answers");
        pollThread.setDaemon(true);
        pollThread.start();
    }

    private void pollLoop() {
        long lastIdleCheck = System.nanoTime();
        try {
            while (running) {
                Runnable task;
                while ((task = pollTasks.poll()) != null) {
                    task.run();
                }
                if (System.nanoTime() - lastIdleCheck > TimeUnit.SECONDS.toNanos(1)) {
                    unassignIdle();
                    lastIdleCheck = System.nanoTime();
                }
                if (assigned.isEmpty()) {
                    task = pollTasks.poll(200, TimeUnit.MILLISECONDS);
                    if (task != null) {
                        task.run();
                    }
                    continue;
                }
                try {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        dispatch(record);
                    }
                } catch (WakeupException e) {
                    // a new call wants its partition read, or close()
                } catch (KafkaException e) {
                    LOG.warnf("reading answers failed: %s", e.toString());
                    Thread.sleep(200);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                consumer.close(Duration.ZERO);
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
    }

    /** Starts reading {@code tp} from its current end, before the request is sent. */
    private void listen(TopicPartition tp, CompletableFuture<Void> listening) {
        if (!assigned.containsKey(tp)) {
            Set<TopicPartition> next = new HashSet<>(assigned.keySet());
            next.add(tp);
            for (int attempt = 0; ; attempt++) {
                try {
                    consumer.assign(next);
                    consumer.seekToEnd(List.of(tp));
                    consumer.position(tp); // resolve the end offset now, not lazily at the next poll
                    break;
                } catch (WakeupException e) {
                    if (attempt >= 10) {
                        consumer.assign(new HashSet<>(assigned.keySet()));
                        listening.completeExceptionally(e);
                        return;
                    }
                } catch (KafkaException e) {
                    consumer.assign(new HashSet<>(assigned.keySet()));
                    listening.completeExceptionally(e);
                    return;
                }
            }
        }
        assigned.put(tp, System.nanoTime());
        listening.complete(null);
    }

    private void dispatch(ConsumerRecord<String, byte[]> record) {
        Envelope<? extends Payload> envelope;
        try {
            envelope = codec.decode(record.value());
        } catch (InvalidMessageException e) {
            return; // the projection dead-letters it
        }
        if (envelope.correlationId() == null || !(envelope.payload() instanceof ReservationEvent event) || !event.endsRequest()) {
            return; // queued / granted: the request is not answered yet
        }
        Pending call = pending.get(envelope.correlationId());
        if (call != null) {
            assigned.put(call.partition, System.nanoTime());
            call.future.complete(new Outcome(call.requestId, envelope));
        }
    }

    private void unassignIdle() {
        Set<TopicPartition> busy = new HashSet<>();
        pending.values().forEach(p -> busy.add(p.partition));
        long cutoff = System.nanoTime() - IDLE_UNASSIGN.toNanos();
        if (assigned.entrySet().removeIf(e -> !busy.contains(e.getKey()) && e.getValue() < cutoff)) {
            consumer.assign(new HashSet<>(assigned.keySet()));
        }
    }

    @PreDestroy
    synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        consumer.wakeup();
        try {
            pollThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }

    /** Every {@code kafka.*} setting (security: SASL, TLS) the service's other clients use. */
    @jakarta.inject.Inject
    @io.smallrye.common.annotation.Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private Properties shared() {
        Properties p = new Properties();
        if (kafkaConfig != null) {
            kafkaConfig.forEach((k, v) -> {
                if (!k.startsWith("group.") && !k.contains("deserializer") && !k.contains("serializer")) {
                    p.put(k, v);
                }
            });
        }
        return p;
    }

    private Properties producerProps() {
        Properties p = shared();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "inventory-operator-" + ProcessHandle.current().pid());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        return p;
    }

    private Properties consumerProps() {
        Properties p = shared();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "inventory-operator-" + ProcessHandle.current().pid() + "-answers");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        return p;
    }
}
