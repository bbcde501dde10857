package io.drivebus.client;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.InvalidMessageException;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.auth.MessageSignature;
import io.drivebus.schemas.reservation.CancelRequest;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.LeaseRenewed;
import io.drivebus.schemas.reservation.ReservationCancelled;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.RenewRequest;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ReservationRequest;
import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.schemas.reservation.ReserveSetRequest;
import io.drivebus.schemas.reservation.ReservationSetReady;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Reserves, releases and renews drives over Kafka. Thread-safe: many requests may be in flight through one
 * client at once.
 *
 * <p>How answers find their request: requests go to {@code drivebus.reservation.requests} keyed by library;
 * the service answers on {@code drivebus.reservation.events} with the same key and {@code correlationId} =
 * the request's envelope id. The client joins no consumer group (no rebalance wait): one consumer
 * {@code assign()}s the events partition the library key maps to, takes its end offset <em>before</em> the
 * request is sent (so the answer cannot be missed), reads {@code read_uncommitted} (the service writes in
 * transactions, but decides deterministically: an answer read before its commit is the one a replay commits) and
 * hands each correlated event to the waiting call; a replayed answer finds no call waiting and is dropped. Partitions with nothing pending are
 * unassigned after a while so an idle client fetches nothing.
 */
public final class DrivebusClient implements AutoCloseable {

    /** Extra time the client waits beyond the request's own wait timeout, for the service's {@code expired}. */
    static final Duration ANSWER_GRACE = Duration.ofSeconds(2);
    private static final Duration IDLE_UNASSIGN = Duration.ofSeconds(30);
    private static final long MAX_WAIT_TIMEOUT_MS = 604_800_000L;
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final ClientConfig config;
    /** MessageCodec's encoding and decoding, its full schema validation only for what a quick check cannot pass. */
    private final MessageCodec codec = MessageCodec.get();
    private final KafkaProducer<String, byte[]> producer;
    /** Touched by the poll thread only (KafkaConsumer is not thread-safe), except {@code wakeup()}. */
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread pollThread;
    /** Sends and timers, so neither runs on the poll thread nor on a caller's. */
    private final ScheduledThreadPoolExecutor io;
    private final BlockingQueue<Runnable> pollTasks = new LinkedBlockingQueue<>();
    private final Map<String, PendingCall<?>> calls = new ConcurrentHashMap<>();
    /** Calls that also want the events of another request id (a cancel's {@code cancelled} carries the withdrawn id). */
    private final Map<String, PendingCall<?>> watchers = new ConcurrentHashMap<>();
    /** Poll thread only: assigned events partitions and when each was last needed (nanoTime). */
    private final Map<TopicPartition, Long> assigned = new HashMap<>();
    /** Poll thread only: partitions of the events topic, as fetched when the client was made; 0 if not known. */
    private int eventsPartitionCount;
    private volatile boolean running = true;

    private DrivebusClient(ClientConfig config) {
        Trace.mark("client connect");
        this.config = config;
        int n = CLIENTS.incrementAndGet();
        Properties producerProps = producerProps(config, n);
        Properties consumerProps = consumerProps(config, n);
        Prepared ready = PREPARED.getAndSet(null);
        if (ready != null && !(ready.producerProps().equals(producerProps) && ready.consumerProps().equals(consumerProps))) {
            ready.discard(); // made for other settings than the command ended up with
            ready = null;
        }
        // the consumer is built on another thread meanwhile: a short-lived command waits for both. One made ahead that
        // failed is made again here, so its error is reported as it always was.
        CompletableFuture<KafkaConsumer<String, byte[]>> c = ready != null
                ? ready.consumer().exceptionallyCompose(e -> newConsumer(consumerProps, n))
                : newConsumer(consumerProps, n);
        try {
            KafkaProducer<String, byte[]> made = ready == null ? null : ready.producer().exceptionally(e -> null).join();
            producer = made != null ? made : new KafkaProducer<>(producerProps);
        } catch (RuntimeException e) {
            c.thenAccept(x -> x.close(Duration.ZERO));
            throw e;
        }
        try {
            consumer = c.join();
        } catch (java.util.concurrent.CompletionException e) {
            producer.close(Duration.ZERO);
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        io = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "drivebus-client-" + n + "-io"));
        io.setRemoveOnCancelPolicy(true);
        io.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        pollThread = daemon(this::pollLoop, "drivebus-client-" + n + "-poll");
        // start connecting now, while the caller prepares its request: the first call then finds metadata (and the
        // consumer's connection) ready instead of fetching them one after the other
        pollTasks.add(() -> {
            try {
                eventsPartitionCount = consumer.partitionsFor(Topics.RESERVATION_EVENTS).size();
            } catch (RuntimeException e) {
                // a wakeup by the first request, or the bus is unreachable: the request will say so
            }
        });
        pollThread.start();
        io.execute(() -> {
            try {
                producer.partitionsFor(Topics.RESERVATION_EVENTS);
                producer.partitionsFor(Topics.RESERVATION_REQUESTS);
            } catch (RuntimeException e) {
                // the first request fetches them itself and reports an unreachable bus
            }
        });
        Trace.mark("client created");
    }

    private static CompletableFuture<KafkaConsumer<String, byte[]>> newConsumer(Properties props, int n) {
        return CompletableFuture.supplyAsync(() -> new KafkaConsumer<String, byte[]>(props),
                r -> daemon(r, "drivebus-client-" + n + "-init").start());
    }

    /** A producer and consumer made by {@link #prepare}, for the settings they were made with. */
    private record Prepared(Properties producerProps, Properties consumerProps,
            CompletableFuture<KafkaProducer<String, byte[]>> producer, CompletableFuture<KafkaConsumer<String, byte[]>> consumer) {
        void discard() {
            producer.thenAccept(p -> p.close(Duration.ZERO));
            consumer.thenAccept(x -> x.close(Duration.ZERO));
        }
    }

    private static final AtomicReference<Prepared> PREPARED = new AtomicReference<>();

    /**
     * Makes the Kafka producer and consumer that the next {@link #connect} with these Kafka settings would make, now, on
     * this thread and one more: a one-shot command calls it first thing with the settings it expects, so that their
     * construction (~0.1 s) overlaps its argument parsing. The next connect uses them only if its settings give exactly
     * the same producer and consumer properties; otherwise they are closed and it makes its own.
     */
    public static void prepare(ClientConfig config) {
        int n = CLIENTS.get() + 1; // the client number (in client.id) the next connect takes
        Properties producerProps = producerProps(config, n);
        Properties consumerProps = consumerProps(config, n);
        CompletableFuture<KafkaProducer<String, byte[]>> producer = new CompletableFuture<>();
        Prepared p = new Prepared((Properties) producerProps.clone(), (Properties) consumerProps.clone(), producer,
                newConsumer(consumerProps, n));
        Prepared old = PREPARED.getAndSet(p);
        if (old != null) {
            old.discard();
        }
        KafkaProducer<String, byte[]> made;
        try {
            made = new KafkaProducer<>(producerProps);
            producer.complete(made);
        } catch (RuntimeException e) {
            producer.completeExceptionally(e);
            return;
        }
        if (CLIENTS.get() >= n && PREPARED.compareAndSet(p, null)) {
            p.discard(); // a connect came first and made its own
            return;
        }
        try {
            // connect (and, idempotent, get a producer id) and fetch the topics' metadata meanwhile too; the producer is
            // thread-safe, the consumer is not: it is left alone until the client's poll thread owns it
            made.partitionsFor(Topics.RESERVATION_EVENTS); // what a request needs first (its answer partition)
            made.partitionsFor(Topics.RESERVATION_REQUESTS);
        } catch (RuntimeException e) {
            // closed meanwhile, or the bus is unreachable: the request reports it
        }
    }

    /** Creates the client's producer and consumer; the broker is first contacted by the first request. */
    public static DrivebusClient connect(ClientConfig config) {
        return new DrivebusClient(config);
    }

    public static DrivebusClient connect(String bootstrapServers) {
        return connect(ClientConfig.of(bootstrapServers));
    }

    public ClientConfig config() {
        return config;
    }

    /**
     * Starts reading the answers partition of these libraries now, from its current end, so that a first request to
     * them does not wait for that (metadata, assignment, end offset) before it is sent: a one-shot command that knows
     * its library calls this right after {@link #connect}. The end offset is still taken before any request is sent,
     * so no answer can be missed; what arrives meanwhile is other clients' answers, skipped. Best effort: a request
     * assigns its partitions itself when this has not (yet) done so.
     */
    public void listen(String... libraries) {
        pollTasks.add(() -> {
            try {
                // the count the connect-time metadata fetch found, else one more fetch (the consumer does not cache it)
                int n = eventsPartitionCount > 0 ? eventsPartitionCount : consumer.partitionsFor(Topics.RESERVATION_EVENTS).size();
                Set<TopicPartition> tps = new HashSet<>();
                for (String l : libraries) {
                    if (l != null && !l.isBlank()) {
                        tps.add(new TopicPartition(Topics.RESERVATION_EVENTS, partitionFor(l, n)));
                    }
                }
                listen(tps, new CompletableFuture<>());
            } catch (RuntimeException e) {
                // a wakeup by the first request, or the bus is unreachable: the request does it and says so
            }
            Trace.mark("listening ahead");
        });
        // no wakeup(): it would also abort the poll thread's next consumer call, e.g. this task's own metadata fetch
    }

    // ---------------------------------------------------------------- reserve

    /**
     * Reserves a drive with the requested volume and waits until it is usable (granted without motion, or
     * granted then ready after the robot loaded it).
     *
     * @param request what to reserve; a missing owner becomes the config's default owner. Without
     *                {@code waitTimeoutMs} a busy drive or volume is answered at once ({@code driveinuse},
     *                {@code volinuse}), as Amanda's changers do; a {@code waitTimeoutMs} longer than {@code timeout}
     *                is cut to it, so the service stops queueing the request when this call gives up
     * @param timeout how long to wait; the client waits 2 s more for the service's own
     *                {@code expired} answer before giving up itself (then it cancels the request or releases
     *                a grant it saw, best effort)
     * @throws DrivebusTimeoutException no usable answer in time
     * @throws DrivebusException        the service denied the request, e.g. {@code volinuse} naming the holder
     */
    public Reservation reserve(ReserveRequest request, Duration timeout) {
        return reserve(request, timeout, ReservationListener.NONE);
    }

    public Reservation reserve(ReserveRequest request, Duration timeout, ReservationListener listener) {
        return await(reserveAsync(request, timeout, listener));
    }

    public CompletableFuture<Reservation> reserveAsync(ReserveRequest request, Duration timeout) {
        return reserveAsync(request, timeout, ReservationListener.NONE);
    }

    /**
     * As {@link #reserve}, without blocking. The future fails with {@link DrivebusException} (or
     * {@link DrivebusTimeoutException}). The listener hears about queue position and loads in progress.
     */
    public CompletableFuture<Reservation> reserveAsync(ReserveRequest request, Duration timeout, ReservationListener listener) {
        requireLibrary(request.library());
        ReserveRequest r = request;
        if (r.owner() == null) {
            r = new ReserveRequest(r.library(), config.defaultOwner(), r.job(), r.slot(), r.label(), r.relative(),
                    r.exceptSlots(), r.setCurrent(), r.mode(), r.mediaType(), r.pool(), r.candidates(), r.priority(),
                    r.waitTimeoutMs(), r.leaseMs());
        }
        if (r.waitTimeoutMs() != null && r.waitTimeoutMs() > Math.max(timeout.toMillis(), 0)) {
            r = new ReserveRequest(r.library(), r.owner(), r.job(), r.slot(), r.label(), r.relative(), r.exceptSlots(),
                    r.setCurrent(), r.mode(), r.mediaType(), r.pool(), r.candidates(), r.priority(),
                    Math.min(Math.max(timeout.toMillis(), 0), MAX_WAIT_TIMEOUT_MS), r.leaseMs());
        }
        Envelope<ReserveRequest> envelope = Envelope.of(config.source(), null, r);
        ReserveRequest sent = r;
        Trace.mark("reserve");
        ReservationListener l = listener == null ? ReservationListener.NONE : listener;
        try {
            l.sent(envelope.id());
        } catch (RuntimeException e) {
            // a listener's bug must not stop the request
        }
        return submit(envelope, tp -> new PendingCall.Reserve(envelope.id(), sent, tp, l), timeout.plus(ANSWER_GRACE));
    }

    /**
     * Reserves as {@link #reserve} and returns a {@link Lease}: renewed in the background (at a third of the lease)
     * until {@link Lease#close()} releases it. Use it with try-with-resources.
     */
    public Lease hold(ReserveRequest request, Duration timeout) {
        return hold(request, timeout, ReservationListener.NONE);
    }

    public Lease hold(ReserveRequest request, Duration timeout, ReservationListener listener) {
        return await(holdAsync(request, timeout, listener));
    }

    public CompletableFuture<Lease> holdAsync(ReserveRequest request, Duration timeout, ReservationListener listener) {
        return reserveAsync(request, timeout, listener)
                .thenApply(r -> lease(r, request.leaseMs() == null ? null : Duration.ofMillis(request.leaseMs())));
    }

    /**
     * Keeps a reservation made elsewhere (e.g. by {@code drivebus reserve}) alive: renews it in the background until
     * the returned lease is closed, which releases it.
     *
     * @param leaseLength what each renewal asks for; null: the service's default
     */
    public Lease lease(Reservation reservation, Duration leaseLength) {
        Lease l = new Lease(this, reservation, leaseLength);
        l.start();
        return l;
    }

    /**
     * A copy or migrate job's devices, all or none (read one volume, write another): completes when every member is in
     * its drive. Each member is its own reservation ({@code <request id>/<index>}); {@code release(library, setId, ..)}
     * releases them all.
     */
    public ReservationSetReady reserveSet(ReserveSetRequest request, Duration timeout, ReservationListener listener) {
        return await(reserveSetAsync(request, timeout, listener));
    }

    public CompletableFuture<ReservationSetReady> reserveSetAsync(ReserveSetRequest request, Duration timeout, ReservationListener listener) {
        requireLibrary(request.library());
        ReserveSetRequest r = request;
        long cut = Math.min(Math.max(timeout.toMillis(), 0), MAX_WAIT_TIMEOUT_MS);
        if (r.owner() == null || (r.waitTimeoutMs() != null && r.waitTimeoutMs() > cut)) {
            r = new ReserveSetRequest(r.library(), r.owner() == null ? config.defaultOwner() : r.owner(), r.job(), r.devices(), r.priority(),
                    r.waitTimeoutMs() == null ? null : Math.min(r.waitTimeoutMs(), cut), r.leaseMs());
        }
        Envelope<ReserveSetRequest> envelope = Envelope.of(config.source(), null, r);
        ReserveSetRequest sent = r;
        ReservationListener l = listener == null ? ReservationListener.NONE : listener;
        try {
            l.sent(envelope.id());
        } catch (RuntimeException e) {
            // a listener's bug must not stop the request
        }
        return submit(envelope, tp -> new PendingCall.ReserveSet(envelope.id(), sent, tp, l), timeout.plus(ANSWER_GRACE));
    }

    // ---------------------------------------------------------------- cancel

    /**
     * Withdraws a reserve request by its request id (from {@link ReservationListener#sent} or
     * {@link Reservation#requestId()}). Whatever state it is in, it ends: a waiter or a load in flight is answered
     * {@link ReservationCancelled}, a reservation already usable is released ({@link ReservationReleased}).
     *
     * @throws DrivebusException {@code notfound} when the request is neither waiting nor granted; {@code unauthorized}
     */
    public ReservationEvent cancel(String library, String requestId, Owner owner, Duration timeout) {
        return await(cancelAsync(new CancelRequest(library, requestId, owner), timeout));
    }

    public CompletableFuture<ReservationEvent> cancelAsync(CancelRequest request, Duration timeout) {
        requireLibrary(request.library());
        CancelRequest r = request.owner() != null ? request
                : new CancelRequest(request.library(), request.requestId(), config.defaultOwner());
        Envelope<CancelRequest> envelope = Envelope.of(config.source(), null, r);
        return submit(envelope, tp -> new PendingCall.Cancel(envelope.id(), r, tp), timeout);
    }

    // ---------------------------------------------------------------- changer

    /**
     * An Amanda changer operation that reserves nothing: {@code info}, {@code reset}, {@code eject} (a drive),
     * {@code update} (rescan, or {@code N=LABEL}), {@code move}. Operations with robot motion answer once the agent
     * has done it.
     *
     * @throws DrivebusException e.g. {@code driveinuse} for an eject of a reserved drive
     */
    public ChangerResult changer(ChangerRequest request, Duration timeout) {
        return await(changerAsync(request, timeout));
    }

    public CompletableFuture<ChangerResult> changerAsync(ChangerRequest request, Duration timeout) {
        requireLibrary(request.library());
        ChangerRequest r = request.owner() != null ? request
                : new ChangerRequest(request.library(), config.defaultOwner(), request.op(), request.drive(), request.spec(),
                        request.fromSlot(), request.toSlot());
        Envelope<ChangerRequest> envelope = Envelope.of(config.source(), null, r);
        return submit(envelope, tp -> new PendingCall.Answer<>(envelope.id(), r.library(), r.owner(), tp, ChangerResult.class),
                timeout);
    }

    // ---------------------------------------------------------------- release

    /** Releases with the config's request timeout; the volume stays in the drive. */
    public ReservationReleased release(Reservation reservation) {
        return release(reservation, false);
    }

    /** Releases; with {@code unload} the volume also goes back to its slot. */
    public ReservationReleased release(Reservation reservation, boolean unload) {
        return release(reservation.library(), reservation.reservationId(), reservation.owner(), unload, config.requestTimeout());
    }

    public ReservationReleased release(String library, String reservationId, Owner owner, Duration timeout) {
        return release(library, reservationId, owner, false, timeout);
    }

    /**
     * @param owner null for the config's default owner; only the holder may release
     * @throws DrivebusException e.g. {@code unauthorized} when {@code owner} does not hold it, {@code notfound}
     */
    public ReservationReleased release(String library, String reservationId, Owner owner, boolean unload, Duration timeout) {
        return await(releaseAsync(new ReleaseRequest(library, reservationId, owner, unload ? Boolean.TRUE : null), timeout));
    }

    public CompletableFuture<ReservationReleased> releaseAsync(ReleaseRequest request, Duration timeout) {
        requireLibrary(request.library());
        ReleaseRequest r = request.owner() != null ? request
                : new ReleaseRequest(request.library(), request.reservationId(), config.defaultOwner(), request.unload());
        Envelope<ReleaseRequest> envelope = Envelope.of(config.source(), null, r);
        return submit(envelope, tp -> new PendingCall.Answer<>(envelope.id(), r.library(), r.owner(), tp,
                ReservationReleased.class), timeout);
    }

    // ---------------------------------------------------------------- renew

    /** Extends the lease by {@code lease} (null: the service's default); returns the new expiry. */
    public Instant renew(Reservation reservation, Duration lease) {
        return renew(reservation.library(), reservation.reservationId(), reservation.owner(), lease, config.requestTimeout());
    }

    public Instant renew(String library, String reservationId, Owner owner, Duration lease, Duration timeout) {
        return await(renewAsync(new RenewRequest(library, reservationId, owner, lease == null ? null : lease.toMillis()),
                timeout)).leaseExpiresAt();
    }

    public CompletableFuture<LeaseRenewed> renewAsync(RenewRequest request, Duration timeout) {
        requireLibrary(request.library());
        RenewRequest r = request.owner() != null ? request
                : new RenewRequest(request.library(), request.reservationId(), config.defaultOwner(), request.leaseMs());
        Envelope<RenewRequest> envelope = Envelope.of(config.source(), null, r);
        return submit(envelope, tp -> new PendingCall.Answer<>(envelope.id(), r.library(), r.owner(), tp,
                LeaseRenewed.class), timeout);
    }

    // ---------------------------------------------------------------- plumbing

    /**
     * The events partition a library's answers land on: Kafka's default partitioner for a String key (what
     * the service's producer uses), so the client can read just that partition.
     */
    static int partitionFor(String library, int partitions) {
        return Utils.toPositive(Utils.murmur2(library.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private Set<TopicPartition> eventsPartitions(ReservationRequest request) {
        try {
            List<PartitionInfo> events = producer.partitionsFor(Topics.RESERVATION_EVENTS);
            // the send must not block on metadata later, on the io thread: fetch it now, on the caller's
            producer.partitionsFor(Topics.RESERVATION_REQUESTS);
            Set<TopicPartition> tps = new HashSet<>();
            tps.add(new TopicPartition(Topics.RESERVATION_EVENTS, partitionFor(request.library(), events.size())));
            // a request the first library cannot serve is forwarded to the next candidate under the same request id,
            // and answered on that library's partition
            if (request instanceof ReserveRequest r && r.candidates() != null) {
                for (String c : r.candidates()) {
                    if (c != null && !c.isBlank()) {
                        tps.add(new TopicPartition(Topics.RESERVATION_EVENTS, partitionFor(c, events.size())));
                    }
                }
            }
            return Set.copyOf(tps);
        } catch (KafkaException e) {
            throw new DrivebusException(DrivebusError.failed(ErrorReason.unknown,
                    "cannot reach the bus at " + config.bootstrapServers() + ": " + e.getMessage()), null, e);
        }
    }

    /**
     * Validates and encodes the request (nothing invalid is sent: the service would only dead-letter it),
     * registers the call, starts reading its events partition from the end, then sends.
     */
    private <T> CompletableFuture<T> submit(Envelope<? extends ReservationRequest> envelope,
            Function<Set<TopicPartition>, PendingCall<T>> newCall, Duration timeout) {
        byte[] value;
        try {
            value = codec.encode(envelope);
            Trace.mark("encoded");
        } catch (InvalidMessageException e) {
            return CompletableFuture.failedFuture(new DrivebusException(
                    DrivebusError.fatal(ErrorReason.invalid, e.getMessage()), null, e));
        }
        if (!running) {
            return CompletableFuture.failedFuture(new DrivebusException(
                    DrivebusError.fatal(ErrorReason.unknown, "client is closed"), null));
        }
        PendingCall<T> call;
        try {
            call = newCall.apply(eventsPartitions(envelope.payload()));
            Trace.mark("metadata");
        } catch (DrivebusException e) {
            return CompletableFuture.failedFuture(e);
        }
        calls.put(call.requestId, call);
        if (call.watchedRequestId() != null) {
            watchers.put(call.watchedRequestId(), call);
        }
        call.future.whenComplete((v, e) -> {
            calls.remove(call.requestId);
            if (call.watchedRequestId() != null) {
                watchers.remove(call.watchedRequestId(), call);
            }
            if (call.timer != null) {
                call.timer.cancel(false);
            }
        });
        try {
            call.timer = io.schedule(() -> giveUp(call, "no answer within " + seconds(timeout)), timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            call.fail(DrivebusError.fatal(ErrorReason.unknown, "client is closed"));
            return call.future;
        }
        CompletableFuture<Void> listening = new CompletableFuture<>();
        pollTasks.add(() -> listen(call.partitions, listening));
        consumer.wakeup();
        listening.whenComplete((v, e) -> {
            if (e != null) {
                call.future.completeExceptionally(new DrivebusException(DrivebusError.failed(ErrorReason.unknown,
                        "cannot read " + call.partitions + ": " + e.getMessage()), call.requestId, e));
            } else if (!call.future.isDone()) {
                Trace.mark("listening");
                try {
                    io.execute(() -> send(call, envelope.payload().library(), value));
                } catch (RejectedExecutionException closed) {
                    call.fail(DrivebusError.fatal(ErrorReason.unknown, "client is closed"));
                }
            }
        });
        return call.future;
    }

    private void send(PendingCall<?> call, String library, byte[] value) {
        try {
            producer.send(signed(new ProducerRecord<>(Topics.RESERVATION_REQUESTS, library, value)), (md, e) -> {
                Trace.mark("request acked");
                if (e != null) {
                    call.future.completeExceptionally(new DrivebusException(DrivebusError.failed(ErrorReason.unknown,
                            "sending the request failed: " + e.getMessage()), call.requestId, e));
                }
            });
        } catch (KafkaException | IllegalStateException e) {
            call.future.completeExceptionally(new DrivebusException(DrivebusError.failed(ErrorReason.unknown,
                    "sending the request failed: " + e.getMessage()), call.requestId, e));
        }
    }

    /** Adds the principal and its HMAC when the client is configured to sign (an enforcing service requires it). */
    private ProducerRecord<String, byte[]> signed(ProducerRecord<String, byte[]> r) {
        ClientConfig.Signing s = config.signing();
        if (s != null) {
            MessageSignature.sign(r.headers(), r.value(), s.principal(),
                    s.secret().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return r;
    }

    /** The caller stopped waiting: fail the call and tell the service (best effort, no answer awaited). */
    private void giveUp(PendingCall<?> call, String why) {
        if (call.future.completeExceptionally(new DrivebusTimeoutException(why, call.requestId, false))) {
            ReservationRequest abandon = call.abandonRequest();
            if (abandon != null && running) {
                try {
                    producer.send(signed(new ProducerRecord<>(Topics.RESERVATION_REQUESTS, abandon.library(),
                            codec.encode(Envelope.of(config.source(), call.requestId, abandon)))));
                } catch (RuntimeException e) {
                    // best effort: the lease or the wait timeout ends it anyway
                }
            }
        }
    }

    /** Runs {@code task} on the client's io thread after {@code delay}; null once the client is closed. */
    java.util.concurrent.ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        try {
            return io.schedule(task, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    boolean isOpen() {
        return running;
    }

    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(); // the call's own timer bounds the wait
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DrivebusException(DrivebusError.failed(ErrorReason.unknown, "interrupted"), null, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DrivebusException d) {
                throw d;
            }
            throw new DrivebusException(DrivebusError.failed(ErrorReason.unknown, String.valueOf(e.getCause())), null, e.getCause());
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    private static void requireLibrary(String library) {
        if (library == null || library.isBlank()) {
            throw new IllegalArgumentException("library is required");
        }
    }

    // ---------------------------------------------------------------- poll thread

    private void pollLoop() {
        long lastIdleCheck = System.nanoTime();
        try {
            while (running) {
                Runnable task;
                // not past close(): its wakeup ends one blocking task, and the next queued (a metadata fetch against an
                // unreachable bus) would hold close() for its whole 5 s join
                while (running && (task = pollTasks.poll()) != null) {
                    task.run();
                }
                if (System.nanoTime() - lastIdleCheck > TimeUnit.SECONDS.toNanos(1)) {
                    unassignIdle();
                    lastIdleCheck = System.nanoTime();
                }
                if (assigned.isEmpty()) {
                    task = pollTasks.poll(200, TimeUnit.MILLISECONDS);
                    if (task != null && running) {
                        task.run();
                    }
                    continue;
                }
                ConsumerRecords<String, byte[]> records;
                try {
                    records = consumer.poll(Duration.ofMillis(500));
                } catch (WakeupException e) {
                    continue; // a new request wants its partition read; or close()
                } catch (KafkaException e) {
                    failAll(DrivebusError.failed(ErrorReason.unknown, "reading answers failed: " + e.getMessage()));
                    Thread.sleep(200);
                    continue;
                }
                for (ConsumerRecord<String, byte[]> record : records) {
                    dispatch(record);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failAll(DrivebusError.fatal(ErrorReason.unknown, "client poll thread died: " + e));
        } finally {
            running = false;
            failAll(DrivebusError.fatal(ErrorReason.unknown, "client is closed"));
            try {
                consumer.close(Duration.ZERO); // no group, no offsets to commit: do not wait for the in-flight fetch
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
    }

    /** Starts reading {@code tps} from their current end, before the request is sent. */
    private void listen(Set<TopicPartition> tps, CompletableFuture<Void> listening) {
        List<TopicPartition> fresh = tps.stream().filter(tp -> !assigned.containsKey(tp)).toList();
        if (!fresh.isEmpty()) {
            Set<TopicPartition> next = new HashSet<>(assigned.keySet());
            next.addAll(fresh);
            for (int attempt = 0; ; attempt++) {
                try {
                    consumer.assign(next);
                    consumer.seekToEnd(fresh);
                    for (TopicPartition tp : fresh) {
                        consumer.position(tp); // resolves the end offset now, not lazily at the next poll
                    }
                    break;
                } catch (WakeupException e) {
                    if (attempt >= 10) {
                        listening.completeExceptionally(e);
                        consumer.assign(new HashSet<>(assigned.keySet()));
                        return;
                    }
                    // another request's wakeup; retry
                } catch (KafkaException e) {
                    consumer.assign(new HashSet<>(assigned.keySet()));
                    listening.completeExceptionally(e);
                    return;
                }
            }
        }
        long now = System.nanoTime();
        tps.forEach(tp -> assigned.put(tp, now));
        listening.complete(null);
    }

    private void dispatch(ConsumerRecord<String, byte[]> record) {
        Envelope<? extends Payload> envelope;
        try {
            // most answers on the partition are other clients': skipped before their validation
            envelope = codec.decode(record.value(), id -> id != null && (calls.containsKey(id) || watchers.containsKey(id)));
        } catch (InvalidMessageException e) {
            return; // not ours to dead-letter: the events topic's consumers of record do that
        }
        if (envelope == null || envelope.correlationId() == null || !(envelope.payload() instanceof ReservationEvent event)) {
            return;
        }
        PendingCall<?> call = calls.get(envelope.correlationId());
        if (call != null) {
            Trace.mark("answer " + envelope.type());
            assigned.put(new TopicPartition(record.topic(), record.partition()), System.nanoTime());
            call.onEvent(event);
        }
        PendingCall<?> watcher = watchers.get(envelope.correlationId());
        if (watcher != null) {
            watcher.onWatchedEvent(event);
        }
    }

    private void unassignIdle() {
        Set<TopicPartition> busy = new HashSet<>();
        for (PendingCall<?> c : calls.values()) {
            busy.addAll(c.partitions);
        }
        long cutoff = System.nanoTime() - IDLE_UNASSIGN.toNanos();
        if (assigned.entrySet().removeIf(e -> !busy.contains(e.getKey()) && e.getValue() < cutoff)) {
            consumer.assign(new HashSet<>(assigned.keySet()));
        }
    }

    private void failAll(DrivebusError error) {
        for (PendingCall<?> c : new ArrayList<>(calls.values())) {
            c.fail(error);
        }
    }

    /** Stops the poll thread, fails what is still pending, flushes what was sent (e.g. cancels). */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            pollThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failAll(DrivebusError.fatal(ErrorReason.unknown, "client is closed"));
        io.shutdown();
        try {
            io.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }

    // ---------------------------------------------------------------- config

    private static Properties producerProps(ClientConfig config, int n) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "drivebus-client-" + ProcessHandle.current().pid() + "-" + n);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0"); // one request at a time: send it now
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000"); // how long an unreachable bus blocks a call
        p.put(ProducerConfig.METRIC_REPORTER_CLASSES_CONFIG, ""); // no JMX metrics: they cost start-up time, nobody reads them
        // nor pushed client metrics (KIP-714): their reporter (protobuf, OpenTelemetry) costs start-up CPU and asks each
        // broker connection for a telemetry subscription first
        p.put(CommonClientConfigs.ENABLE_METRICS_PUSH_CONFIG, "false");
        p.putAll(config.kafkaProperties());
        return p;
    }

    private static Properties consumerProps(ClientConfig config, int n) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "drivebus-client-" + ProcessHandle.current().pid() + "-" + n + "-answers");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        // answers before their transaction commits: the service decides deterministically, so an aborted answer is
        // the one its replay commits (same ids, same drive, same token), and the commit's wait is not the caller's
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        p.put(ConsumerConfig.METRIC_REPORTER_CLASSES_CONFIG, "");
        p.put(CommonClientConfigs.ENABLE_METRICS_PUSH_CONFIG, "false");
        p.putAll(config.kafkaProperties());
        p.remove(ConsumerConfig.GROUP_ID_CONFIG); // assign(), never a group: no rebalance on every call
        // producer-only settings given for both would only make the consumer log warnings
        for (String k : List.of(ProducerConfig.ACKS_CONFIG, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                ProducerConfig.LINGER_MS_CONFIG, ProducerConfig.MAX_BLOCK_MS_CONFIG)) {
            p.remove(k);
        }
        return p;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
