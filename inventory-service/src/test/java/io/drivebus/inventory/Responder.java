package io.drivebus.inventory;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.reservation.BreakRequest;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.ReservationBroken;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationRequest;
import io.drivebus.stack.test.KafkaTestResource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A stand-in for the reservation-service's answers, on the real broker: reads operator requests of libraries whose
 * id starts with the prefix and answers each on the events topic with correlationId = the request's envelope id.
 * Libraries named "*silent*" get no answer; a break of reservation "missing" is denied notfound. The full path
 * through the real reservation-service is the system tests' job.
 */
final class Responder implements AutoCloseable {

    final Map<String, Envelope<? extends Payload>> requests = new ConcurrentHashMap<>();
    private final String prefix;
    private final Bus bus;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    Responder(String prefix, Bus bus) {
        this.prefix = prefix;
        this.bus = bus;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(p);
        List<TopicPartition> parts = consumer.partitionsFor(Topics.RESERVATION_REQUESTS).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position); // from here on, before any request is sent
        thread = new Thread(this::run, "test-responder");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                if (r.key() == null || !r.key().startsWith(prefix)) {
                    continue;
                }
                Envelope<? extends Payload> request = MessageCodec.get().decode(r.value());
                requests.put(request.id(), request);
                answer(request.id(), (ReservationRequest) request.payload());
            }
        }
        consumer.close();
    }

    private void answer(String requestId, ReservationRequest request) {
        if (request.library().contains("silent")) {
            return;
        }
        Payload answer;
        if (request instanceof ChangerRequest c) {
            // an event that does not end the request comes first: it must not be taken for the answer
            bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("test-responder", requestId, new ReservationQueued(c.library(), c.owner(), 1)));
            answer = new ChangerResult(c.library(), c.owner(), c.op(), 1, 10, "test vendor", true, List.of(3), null);
        } else if (request instanceof BreakRequest b && "missing".equals(b.reservationId())) {
            answer = new ReservationDenied(b.library(), b.reservationId(), b.operator(),
                    DrivebusError.failed(ErrorReason.notfound, "no reservation missing in library " + b.library()));
        } else if (request instanceof BreakRequest b) {
            answer = new ReservationBroken(b.library(), b.reservationId(), new Owner("job-9", "backup9"), b.operator(), b.scope(),
                    b.reason(), "d0", 7);
        } else {
            return;
        }
        bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("test-responder", requestId, (io.drivebus.schemas.reservation.ReservationEvent) answer));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
    }
}
