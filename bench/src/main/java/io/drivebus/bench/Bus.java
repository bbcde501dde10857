package io.drivebus.bench;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.reservation.ReservationRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The load generator's side of the real topics, as DrivebusClient does it but for thousands of requests in
 * flight: requests keyed by library to drivebus.reservation.requests; one consumer {@code assign()}ed to every
 * partition of drivebus.reservation.events from its end (taken before the first request), {@code read_committed}
 * (the service writes in transactions), handing each event to the call waiting on its correlationId. No consumer
 * group, so no rebalance wait.
 */
final class Bus implements AutoCloseable {

    /** Called on the poll thread with the event and the nanoTime of the poll that returned it. Keep it short. */
    interface Handler {
        void on(Answer answer, long nanos, ConsumerRecord<String, byte[]> record);
    }

    private final MessageCodec codec = MessageCodec.get();
    private final boolean validate;
    private final String source;
    final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Handler> pending = new ConcurrentHashMap<>();
    private volatile Handler everyEvent;
    private final Thread poller;
    private volatile boolean running = true;
    final AtomicLong eventsSeen = new AtomicLong();
    final AtomicLong sendErrors = new AtomicLong();
    /** The first requests are always checked against their schema, so a contract drift shows even without --validate. */
    private final AtomicLong checked = new AtomicLong();

    Bus(String bootstrap, String source, boolean validate) {
        this(bootstrap, source, validate, true);
    }

    /** {@code answers} false: a publisher only (the inventory scenarios), no consumer of the events topic. */
    Bus(String bootstrap, String source, boolean validate, boolean answers) {
        this.validate = validate;
        this.source = source;
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // a client sends at once; batching only what piles up within 1 ms
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        pp.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-" + source + "-producer");
        producer = new KafkaProducer<>(pp);
        producer.partitionsFor(Topics.RESERVATION_REQUESTS);
        producer.partitionsFor(Topics.DEVICE_STATUS);
        if (!answers) {
            consumer = null;
            poller = null;
            return;
        }
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"); // as DrivebusClient reads answers
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // a fetch returns as soon as an answer is appended (read_uncommitted); the wait only bounds idle fetches, as the client has it
        cp.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "500");
        cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        cp.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-" + source + "-consumer");
        consumer = new KafkaConsumer<>(cp);
        List<TopicPartition> tps = consumer.partitionsFor(Topics.RESERVATION_EVENTS, Duration.ofSeconds(30)).stream()
                .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
        consumer.assign(tps);
        consumer.seekToEnd(tps);
        // resolve the end offsets now: nothing sent after this line can be missed
        tps.forEach(tp -> consumer.position(tp, Duration.ofSeconds(30)));
        poller = new Thread(this::pollLoop, "bench-poll");
        poller.setDaemon(true);
        poller.start();
    }

    /** Every event, whether or not a call waits on it (contention's order check, failover's owner map). */
    void onEveryEvent(Handler h) {
        everyEvent = h;
    }

    String newId() {
        return UUID.randomUUID().toString();
    }

    /**
     * Sends a request under {@code id}, waiting for its events with {@code handler} (registered before the send).
     * {@code offset} hears the request's offset in its partition: the order the service sees requests in.
     */
    void request(String id, ReservationRequest payload, Handler handler, LongConsumer offset) {
        pending.put(id, handler);
        Envelope<?> env = Envelope.of(id, Instant.now(), source, null, payload);
        send(Topics.RESERVATION_REQUESTS, payload.library(), env, offset);
    }

    void done(String id) {
        pending.remove(id);
    }

    int inFlight() {
        return pending.size();
    }

    void send(String topic, String key, Envelope<? extends Payload> env, LongConsumer offset) {
        byte[] value;
        try {
            // statuses (few, and built here) are always checked; the bulk (requests, the inventory scenarios' events)
            // after the first 500 only with --validate: schema validation costs CPU the services need
            value = validate || checked.getAndIncrement() < 500 || env.payload() instanceof LibraryStatus
                    ? codec.encode(env) : codec.mapper().writeValueAsBytes(env);
        } catch (Exception e) {
            throw new IllegalStateException("cannot encode " + env.type(), e);
        }
        producer.send(new ProducerRecord<>(topic, key, value), (md, e) -> {
            if (e != null) {
                sendErrors.incrementAndGet();
            } else if (offset != null) {
                offset.accept(md.offset());
            }
        });
    }

    private void pollLoop() {
        try {
            while (running) {
                ConsumerRecords<String, byte[]> recs = consumer.poll(Duration.ofMillis(50));
                long now = System.nanoTime();
                for (ConsumerRecord<String, byte[]> r : recs) {
                    eventsSeen.incrementAndGet();
                    Answer a;
                    if (validate) {
                        Envelope<?> e = codec.decode(r.value());
                        a = Answer.parse(r.value());
                        if (!e.type().equals(a.type())) {
                            throw new IllegalStateException("parsers disagree on " + e.type());
                        }
                    } else {
                        a = Answer.parse(r.value());
                    }
                    if (a == null) {
                        continue;
                    }
                    Handler all = everyEvent;
                    if (all != null) {
                        all.on(a, now, r);
                    }
                    if (a.correlationId() != null) {
                        Handler h = pending.get(a.correlationId());
                        if (h != null) {
                            h.on(a, now, r);
                        }
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            e.printStackTrace();
        }
    }

    @Override
    public void close() {
        running = false;
        if (consumer == null) {
            producer.close(Duration.ofSeconds(5));
            return;
        }
        consumer.wakeup();
        try {
            poller.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(2));
        producer.close(Duration.ofSeconds(5));
    }
}
