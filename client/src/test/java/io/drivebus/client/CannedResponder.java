package io.drivebus.client;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.InvalidMessageException;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.reservation.CancelRequest;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.ExpiryKind;
import io.drivebus.schemas.reservation.DeviceWant;
import io.drivebus.schemas.reservation.ReserveSetRequest;
import io.drivebus.schemas.reservation.ReservationSetReady;
import io.drivebus.schemas.reservation.SetMember;
import io.drivebus.schemas.reservation.ReservationCancelled;
import io.drivebus.schemas.reservation.LeaseRenewed;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.RenewRequest;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationExpired;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ReservationRequest;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
 * A stand-in for the reservation-service in the client's own tests: a real consumer of
 * drivebus.reservation.requests and a real transactional producer of drivebus.reservation.events on the real
 * broker, answering with canned events chosen by the request's {@code job}. It tests the client's protocol
 * handling only; the real service is exercised by the system tests.
 */
public final class CannedResponder implements AutoCloseable {

    static final Owner ALICE = new Owner("alice", "host");
    static final long TOKEN = 7;
    /** Ready carries a later lease than the grant (the lease runs from when the volume is usable). */
    static final Instant READY_LEASE = Instant.parse("2030-01-01T00:06:00Z");

    /** Every request seen, in order. */
    final BlockingQueue<Envelope<? extends ReservationRequest>> received = new LinkedBlockingQueue<>();

    private final MessageCodec codec = MessageCodec.get();
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final Thread thread;
    private final List<Envelope<ReserveRequest>> pairs = new ArrayList<>();
    /** Counted down by a test once the client returned the answer that case "uncommitted" holds uncommitted. */
    final java.util.concurrent.CountDownLatch uncommittedSeen = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean running = true;

    public CannedResponder(String bootstrap) throws InterruptedException {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(c);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        // the real service answers inside exactly-once transactions; so does this one
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "canned-responder-" + UUID.randomUUID());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        producer = new KafkaProducer<>(p);
        producer.initTransactions();

        CountDownLatch listening = new CountDownLatch(1);
        thread = new Thread(() -> run(listening), "canned-responder");
        thread.setDaemon(true);
        thread.start();
        if (!listening.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("responder did not start");
        }
    }

    private void run(CountDownLatch listening) {
        try {
            List<TopicPartition> all = consumer.partitionsFor(Topics.RESERVATION_REQUESTS).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(all);
            consumer.seekToEnd(all);
            all.forEach(consumer::position);
            listening.countDown();
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Envelope<ReservationRequest> request;
                    try {
                        request = codec.decode(r.value(), ReservationRequest.class);
                    } catch (InvalidMessageException e) {
                        continue;
                    }
                    received.add(request);
                    answer(request);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close();
        }
    }

    @SuppressWarnings("unchecked")
    private void answer(Envelope<? extends ReservationRequest> e) throws InterruptedException {
        String id = e.id();
        if (e.payload() instanceof ReserveRequest r) {
            String job = r.job() == null ? "" : r.job();
            switch (job) {
                case "volinuse" -> commit(id, new ReservationDenied(r.library(), null, r.owner(),
                        DrivebusError.volumeInUse(r.slot(), "d0", ALICE, "r-1", "slot " + r.slot() + " is in use by " + ALICE)));
                case "motion" -> {
                    commit(id, new ReservationQueued(r.library(), r.owner(), 2));
                    commit(id, new ReservationQueued(r.library(), r.owner(), 1));
                    ReservationGranted g = grant(r, "d0", true);
                    commit(id, g);
                    Thread.sleep(150); // the robot at work
                    commit(id, new ReservationReady(r.library(), g.reservationId(), r.owner(), g.drive(), g.devicePath(),
                            g.slot(), g.label(), null, g.token(), READY_LEASE));
                }
                case "pair" -> {
                    // hold the first; answer both in reverse order, with noise for the client to skip
                    pairs.add((Envelope<ReserveRequest>) e);
                    if (pairs.size() == 2) {
                        producer.beginTransaction();
                        producer.send(new ProducerRecord<>(Topics.RESERVATION_EVENTS, r.library(),
                                "not a drivebus message".getBytes(StandardCharsets.UTF_8)));
                        send(UUID.randomUUID().toString(), grant(r, "d-other", false));
                        for (int i = 1; i >= 0; i--) {
                            Envelope<ReserveRequest> p = pairs.get(i);
                            send(p.id(), grant(p.payload(), "d" + p.payload().slot(), false));
                        }
                        producer.commitTransaction();
                        pairs.clear();
                    }
                }
                case "aborted" -> {
                    // as the service after an abort: its replay decides alike and commits the very answer it aborted
                    ReservationGranted g = grant(r, "d" + r.slot(), false);
                    producer.beginTransaction();
                    send(id, g);
                    producer.flush();
                    producer.abortTransaction();
                    commit(id, g);
                }
                case "uncommitted" -> {
                    // the answer stays uncommitted until the test has seen the client return it
                    producer.beginTransaction();
                    send(id, grant(r, "d" + r.slot(), false));
                    producer.flush();
                    uncommittedSeen.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    producer.commitTransaction();
                }
                case "expire" -> {
                    commit(id, new ReservationQueued(r.library(), r.owner(), 1));
                    commit(id, new ReservationExpired(r.library(), null, r.owner(), null, null, ExpiryKind.wait));
                }
                case "wait" -> commit(id, new ReservationQueued(r.library(), r.owner(), 1)); // until cancelled
                case "candidate" -> {
                    // the first library cannot serve it: the next candidate grants, on its own partition, same request id
                    String other = r.candidates().get(0);
                    ReservationGranted g = grant(r, "d" + r.slot(), false);
                    commit(id, new ReservationGranted(other, g.reservationId(), g.owner(), g.job(), g.drive(), g.host(), g.devicePath(),
                            g.slot(), g.label(), g.token(), g.leaseExpiresAt(), false));
                }
                case "silent" -> {
                    // no answer: the client must time out (and cancel)
                }
                default -> commit(id, grant(r, "d" + (r.slot() == null ? 0 : r.slot()), false));
            }
        } else if (e.payload() instanceof ReleaseRequest r) {
            if (r.reservationId().startsWith("r-not-mine")) {
                commit(id, new ReservationDenied(r.library(), r.reservationId(), r.owner(),
                        DrivebusError.failed(ErrorReason.unauthorized, r.owner() + " does not hold " + r.reservationId())));
            } else {
                commit(id, new ReservationReleased(r.library(), r.reservationId(), r.owner(), "d1", TOKEN));
            }
        } else if (e.payload() instanceof RenewRequest r && r.reservationId().startsWith("r-not-mine")) {
            commit(id, new ReservationDenied(r.library(), r.reservationId(), r.owner(),
                    DrivebusError.failed(ErrorReason.unauthorized, r.owner() + " does not hold " + r.reservationId())));
        } else if (e.payload() instanceof RenewRequest r) {
            long ms = r.leaseMs() == null ? 600_000 : r.leaseMs();
            commit(id, new LeaseRenewed(r.library(), r.reservationId(), r.owner(), Instant.parse("2030-01-01T00:00:00Z").plusMillis(ms)));
        }
        else if (e.payload() instanceof ReserveSetRequest set) {
            // every member granted (the second with motion, then ready), then the set
            List<SetMember> members = new ArrayList<>();
            for (int i = 0; i < set.devices().size(); i++) {
                DeviceWant w = set.devices().get(i);
                String rid = id + "/" + i;
                int slot = w.slot() == null ? 1 : w.slot();
                commit(id, new ReservationGranted(set.library(), rid, set.owner(), set.job(), "d" + i, "host1", "/dev/nst" + i, slot,
                        String.format("DEMO%03d", slot), TOKEN, READY_LEASE, i == 1));
                if (i == 1) {
                    commit(id, new ReservationReady(set.library(), rid, set.owner(), "d" + i, "/dev/nst" + i, slot,
                            String.format("DEMO%03d", slot), null, TOKEN, READY_LEASE));
                }
                members.add(new SetMember(rid, "d" + i, "/dev/nst" + i, slot, String.format("DEMO%03d", slot), TOKEN, w.mode()));
            }
            commit(id, new ReservationSetReady(set.library(), id, set.owner(), members, READY_LEASE));
        }         else if (e.payload() instanceof CancelRequest c) {
            // the withdrawn request's own id answers a cancel
            commit(c.requestId(), new ReservationCancelled(c.library(), c.owner()));
        } else if (e.payload() instanceof ChangerRequest c) {
            if (c.op() == ChangerOp.eject && "busy".equals(c.drive())) {
                commit(id, new ReservationDenied(c.library(), null, c.owner(), DrivebusError.failed(ErrorReason.driveinuse,
                        "drive busy is reserved by " + ALICE)));
            } else {
                commit(id, new ChangerResult(c.library(), c.owner(), c.op(), c.op() == ChangerOp.reset ? 1 : 4, 10, "canned",
                        true, c.op() == ChangerOp.eject ? List.of(3) : List.of(), c.drive()));
            }
        }
        // break: recorded in `received`, not answered
    }

    static ReservationGranted grant(ReserveRequest r, String drive, boolean motion) {
        int slot = r.slot() == null ? 1 : r.slot();
        String label = r.label() != null ? r.label() : String.format("DEMO%03d", slot);
        return new ReservationGranted(r.library(), "r-" + UUID.randomUUID(), r.owner(), r.job(), drive, "host1",
                "/dev/nst-" + drive, slot, label, TOKEN, Instant.parse("2030-01-01T00:05:00Z"), motion);
    }

    private void commit(String correlationId, ReservationEvent event) {
        producer.beginTransaction();
        send(correlationId, event);
        producer.commitTransaction();
    }

    private void send(String correlationId, Payload event) {
        producer.send(new ProducerRecord<>(Topics.RESERVATION_EVENTS, event.library(),
                codec.encode(Envelope.of("canned-responder", correlationId, event))));
    }

    /** The first request of the given type that matches, waiting a few seconds for it; null if none came. */
    <P extends ReservationRequest> Envelope<P> find(Class<P> type, Predicate<Envelope<P>> match) throws InterruptedException {
        return find(type, match, 10);
    }

    <P extends ReservationRequest> Envelope<P> find(Class<P> type, Predicate<Envelope<P>> match, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds) + TimeUnit.MILLISECONDS.toNanos(200);
        while (System.nanoTime() < deadline) {
            Envelope<? extends ReservationRequest> e = received.poll(100, TimeUnit.MILLISECONDS);
            if (e != null && type.isInstance(e.payload())) {
                @SuppressWarnings("unchecked")
                Envelope<P> p = (Envelope<P>) e;
                if (match.test(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5000);
        producer.close(Duration.ofSeconds(2));
    }
}
