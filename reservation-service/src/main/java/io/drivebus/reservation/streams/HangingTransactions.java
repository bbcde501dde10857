package io.drivebus.reservation.streams;

import io.drivebus.schemas.Topics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeProducersResult;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import io.drivebus.reservation.streams.TransactionWitness.Outcome;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.jboss.logging.Logger;

/**
 * Ends transactions left open on the partitions this service writes after the transaction coordinator stopped
 * tracking them. Found by the chaos harness: a broker killed with kill -9 mid-transaction came back and finished the
 * transaction in its log, but never wrote its marker to two changelog partitions. Their last stable offset then
 * stays put for good, so the task restoring from them never becomes active and its libraries get no answers. This is
 * Kafka's "hanging transaction" (KIP-664).
 *
 * <p>Kafka's remedy ({@code kafka-transactions.sh find-hanging/abort}) writes an abort marker. That is right only if
 * the transaction aborted: one that committed on its other partitions would be split, its answers committed and its
 * state changes lost (the chaos harness saw it: docs/known-issues.md). So the sweeper first asks how the transaction
 * ended — the coordinator, if that is still its producer's latest transaction, else a {@link TransactionWitness} —
 * and writes a commit marker where it committed ({@link TransactionMarkers}), an abort marker otherwise.
 *
 * <p>Never a live transaction: a transaction is ended only when this sweeper has seen it open at the same start
 * offset for {@code hangingAfter} of its own wall-clock time — far longer than any live one can stay open (the
 * transaction timeout, 2 s, plus the coordinator's abort check) — and the coordinator is not in that transaction
 * (its producer is not in one, or only in a later one, and is not writing markers: {@link #trackedByCoordinator}).
 * Needs the ClusterAction permission on the cluster (an abort alone: from Kafka 3.8, Alter); without it the sweeper
 * logs what to do by hand.
 */
final class HangingTransactions implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HangingTransactions.class);

    private final Admin admin;
    private final List<String> topics;
    private final long hangingAfterMs;
    private final LongSupplier clock;
    private final boolean askCoordinator;
    private final TransactionWitness witness;
    private final TransactionMarkers markers;
    /** Open transactions seen, by partition, producer, epoch and start offset: when first seen. */
    private final Map<String, Long> firstSeen = new HashMap<>();
    private ScheduledExecutorService timer;
    private long lastWarning = Long.MIN_VALUE / 2;

    /** @param client admin client settings ({@link #adminProperties}): the sweeper's own clients connect with them */
    HangingTransactions(Properties client, String applicationId, Duration hangingAfter, LongSupplier clock) {
        this(client, written(applicationId), hangingAfter, clock, true);
    }

    /** @param askCoordinator false only in tests, to end a transaction the coordinator still tracks */
    HangingTransactions(Properties client, List<String> topics, Duration hangingAfter, LongSupplier clock, boolean askCoordinator) {
        this.admin = Admin.create(client);
        this.witness = new TransactionWitness(client);
        this.markers = new TransactionMarkers(client);
        this.topics = List.copyOf(topics);
        this.hangingAfterMs = hangingAfter.toMillis();
        this.clock = clock;
        this.askCoordinator = askCoordinator;
    }

    /**
     * Every topic the service writes in its transactions: answers, forwards, dead letters, changelogs, and
     * the consumer offsets it commits with them (and, found each round, the hosts' command topics) — a pending offset commit of a hanging transaction makes every fetch
     * of the group's committed offsets wait, so the task never starts either.
     */
    static List<String> written(String applicationId) {
        List<String> t = new ArrayList<>(List.of(Topics.RESERVATION_EVENTS, Topics.RESERVATION_REQUESTS, "__consumer_offsets"));
        Topics.LIBRARY_KEYED.forEach(in -> t.add(Topics.dlq(in)));
        List<String> stores = new ArrayList<>(ReservationTopology.KEY_VALUE_STORES.keySet());
        stores.add(ReservationTopology.SEEN_REQUESTS_STORE);
        for (String store : stores.stream().sorted().toList()) {
            t.add(applicationId + "-" + store + "-changelog");
        }
        return t;
    }

    /** The admin client settings among the Streams settings: where the broker is and how to authenticate. */
    static Properties adminProperties(Properties streams) {
        Properties p = new Properties();
        streams.forEach((k, v) -> {
            String key = String.valueOf(k);
            if (key.equals(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) || key.startsWith("security.") || key.startsWith("sasl.")
                    || key.startsWith("ssl.")) {
                p.put(key, v);
            }
        });
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "drivebus-reservation-hanging-transactions");
        return p;
    }

    HangingTransactions start(Duration every) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "drivebus-hanging-transactions");
            th.setDaemon(true);
            return th;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                sweep();
            } catch (Exception e) {
                warnAtMostEveryMinute("hanging-transaction check skipped: " + e);
            }
        }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** A hanging transaction the sweeper ended on one partition, how, and what showed it. */
    record Ended(AbortTransactionSpec spec, TransactionWitness.Evidence evidence) {
        TopicPartition topicPartition() {
            return spec.topicPartition();
        }

        boolean committed() {
            return evidence.outcome() == Outcome.COMMITTED;
        }
    }

    /** A transaction a partition has shown open, at the same start offset, for {@code hangingAfter}. */
    private record LongOpen(TopicPartition partition, ProducerState producer) {
    }

    /** One check; returns the transactions it ended (or tried to). */
    List<Ended> sweep() throws Exception {
        return sweep(producerId -> true);
    }

    /** @param producers which producers' transactions to consider (tests on a shared broker: only their own) */
    List<Ended> sweep(LongPredicate producers) throws Exception {
        Map<String, TopicDescription> described = admin.describeTopics(existing()).allTopicNames().get(30, TimeUnit.SECONDS);
        List<TopicPartition> partitions = new ArrayList<>();
        Map<TopicPartition, Node> leaders = new HashMap<>();
        described.values().forEach(d -> d.partitions().forEach(p -> {
            TopicPartition tp = new TopicPartition(d.name(), p.partition());
            partitions.add(tp);
            leaders.put(tp, p.leader());
        }));
        Map<TopicPartition, PartitionProducerState> states = producerStates(partitions);
        long now = clock.getAsLong();
        Set<String> open = new HashSet<>();
        List<LongOpen> longOpen = new ArrayList<>();
        for (var e : states.entrySet()) {
            for (ProducerState ps : e.getValue().activeProducers()) {
                if (ps.currentTransactionStartOffset().isEmpty() || !producers.test(ps.producerId())) {
                    continue;
                }
                String key = e.getKey() + "/" + ps.producerId() + "/" + ps.producerEpoch() + "/" + ps.currentTransactionStartOffset().getAsLong();
                open.add(key);
                if (now - firstSeen.computeIfAbsent(key, k -> now) >= hangingAfterMs) {
                    longOpen.add(new LongOpen(e.getKey(), ps));
                }
            }
        }
        firstSeen.keySet().retainAll(open);
        if (longOpen.isEmpty()) {
            return List.of();
        }
        Map<Long, CoordinatorView> coordinator = askCoordinator
                ? coordinatorViews(longOpen.stream().map(o -> o.producer().producerId()).collect(Collectors.toSet()))
                : Map.of();
        // how a transaction ended can be read from epochs only where each transaction has its own (KIP-890's
        // transaction.version 2, the default of clusters made with Kafka 4); elsewhere every one is aborted, as before
        boolean epochPerTransaction = epochPerTransaction();
        List<Ended> ended = new ArrayList<>();
        for (LongOpen o : longOpen) {
            long producerId = o.producer().producerId();
            int epoch = o.producer().producerEpoch();
            if (trackedByCoordinator(coordinator, producerId, epoch)) {
                continue; // the coordinator is in this very transaction: it will end it
            }
            TransactionWitness.Evidence evidence = TransactionWitness.Evidence.UNKNOWN;
            if (epochPerTransaction) {
                evidence = endedAtCoordinator(coordinator.get(producerId), epoch);
            }
            if (epochPerTransaction && evidence.outcome() == Outcome.UNKNOWN) {
                evidence = witness.outcome(o.partition(), producerId, epoch, states);
            }
            if (evidence.outcome() == Outcome.UNKNOWN && states.size() < partitions.size()) {
                // some partitions went undescribed (a broker just back): a witness may be among them, so no abort yet
                warnAtMostEveryMinute("a hanging transaction on " + o.partition() + " waits for a round that describes every partition");
                continue;
            }
            ended.add(end(new AbortTransactionSpec(o.partition(), producerId, markerEpoch(epoch, epochPerTransaction),
                    o.producer().coordinatorEpoch().orElse(-1)), epoch, evidence, leaders.get(o.partition())));
        }
        return ended;
    }

    /**
     * The epoch of the marker that ends a transaction open at {@code epoch}: the next, as the coordinator's own, where
     * each transaction has its own epoch. Then the partition shows what any partition the coordinator ended shows, and
     * is a witness for the transaction's other partitions on a later round; at the transaction's epoch it would look
     * like the partition of a later transaction that ended the one before (KIP-890). Where transactions share epochs
     * (transaction.version 1) the producer goes on at the same one, which a higher marker would fence.
     */
    static short markerEpoch(int epoch, boolean epochPerTransaction) {
        return (short) (epochPerTransaction && epoch < Short.MAX_VALUE ? epoch + 1 : epoch);
    }

    /**
     * Commits where the transaction committed, aborts otherwise — where it aborted, and where nothing shows how it ended
     * (no witness: Kafka's own remedy, and the only way to unblock the partition).
     *
     * @param spec with the marker's epoch ({@link #markerEpoch})
     * @param epoch the epoch the transaction is open at
     */
    private Ended end(AbortTransactionSpec spec, int epoch, TransactionWitness.Evidence evidence, Node leader) {
        Ended e = new Ended(spec, evidence);
        TopicPartition tp = spec.topicPartition();
        String why = evidence.witness() == null ? "no other partition shows how it ended"
                : (e.committed() ? "it committed on " : "it aborted on ") + evidence.witness();
        try {
            if (e.committed()) {
                markers.write(leader, tp, spec.producerId(), spec.producerEpoch(), spec.coordinatorEpoch(), true);
            } else {
                admin.abortTransaction(spec).all().get(30, TimeUnit.SECONDS);
            }
            LOG.warnf("%s a hanging transaction on %s (producer %d, epoch %d): open for over %d s, unknown to its coordinator; %s",
                    e.committed() ? "committed" : "aborted", tp, spec.producerId(), epoch, hangingAfterMs / 1000, why);
        } catch (Exception ex) {
            Throwable cause = ex instanceof ExecutionException && ex.getCause() != null ? ex.getCause() : ex;
            if (leaderAway(cause)) {
                LOG.warnf("a hanging transaction on %s (producer %d, epoch %d) could not be %s this round (%s); %s: looked at again "
                        + "next round", tp, spec.producerId(), epoch, e.committed() ? "committed" : "aborted", cause.getMessage(), why);
            } else if (e.committed()) {
                LOG.errorf("a hanging transaction blocks %s (producer %d, epoch %d) and could not be committed (%s); %s, so do not abort it "
                        + "(that would split it): the sweeper tries again each round, and needs the ClusterAction permission", tp, spec.producerId(),
                        epoch, ex.getMessage(), why);
            } else {
                LOG.errorf("a hanging transaction blocks %s (producer %d, epoch %d) and could not be aborted (%s; %s); abort it with "
                        + "kafka-transactions.sh abort --topic %s --partition %d --producer-id %d --producer-epoch %d --coordinator-epoch %d",
                        tp, spec.producerId(), epoch, ex.getMessage(), why, tp.topic(), tp.partition(), spec.producerId(),
                        spec.producerEpoch(), spec.coordinatorEpoch());
            }
        }
        return e;
    }

    /**
     * A refusal because the partition's leader moved or is down since this round looked (a broker restart): no permission
     * is missing, and a marker the coordinator was late with may have ended the transaction meanwhile. The next round
     * looks again, with the leader it finds then.
     */
    static boolean leaderAway(Throwable cause) {
        return cause instanceof RetriableException || cause instanceof IOException;
    }

    /**
     * Per partition: one partition whose leader is away (a broker just restarted) must not keep the sweeper from the
     * others, as {@code all()} would.
     */
    private Map<TopicPartition, PartitionProducerState> producerStates(List<TopicPartition> partitions) throws InterruptedException {
        DescribeProducersResult result = admin.describeProducers(partitions);
        Map<TopicPartition, PartitionProducerState> states = new HashMap<>();
        List<String> failed = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            try {
                states.put(tp, result.partitionResult(tp).get(30, TimeUnit.SECONDS));
            } catch (ExecutionException | TimeoutException e) {
                failed.add(tp + " (" + (e.getCause() == null ? e : e.getCause()).getClass().getSimpleName() + ")");
            }
        }
        if (!failed.isEmpty()) {
            warnAtMostEveryMinute("producers of " + failed.size() + " partitions could not be described this round, e.g. " + failed.get(0));
        }
        return states;
    }

    private void warnAtMostEveryMinute(String message) {
        long now = clock.getAsLong();
        if (now - lastWarning >= 60_000) {
            lastWarning = now;
            LOG.warn(message);
        }
    }

    private List<String> existing() throws Exception {
        // internal topics too: without listInternal the group's offsets topic was never swept, and a hanging
        // transactional offset commit there stalled a task for good (the chaos harness' last stall)
        Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS);
        List<String> existing = new ArrayList<>(topics.stream().filter(names::contains).toList());
        // and every host's command topic (drivebus.device.commands.<host>), found anew each round as hosts come
        names.stream().filter(n -> Topics.hostOfCommands(n) != null).sorted().forEach(existing::add);
        return existing;
    }

    /** What a coordinator says of a producer's latest transaction. */
    record CoordinatorView(TransactionState state, int epoch) {
    }

    /**
     * Whether the coordinator is in the transaction a partition shows open. Kafka 4's transactions (KIP-890) bump
     * the producer's epoch with every transaction, so the same producer in an ongoing transaction says nothing about
     * an older one: only the same epoch is the same transaction. Found by the chaos harness: a live instance reusing
     * its transactional id was in a new transaction almost whenever the sweeper asked, so its hanging older one, whose
     * pending offset commit kept the group's committed offsets unreadable, was never aborted. But a coordinator that
     * is writing a transaction's markers (prepare-commit or -abort) has bumped the epoch already, to the one the
     * markers carry: that transaction is still its own, and its markers will end it. Ending it then from outside could
     * put the wrong marker on one partition of it.
     */
    static boolean trackedByCoordinator(Map<Long, CoordinatorView> views, long producerId, int epoch) {
        CoordinatorView v = views.get(producerId);
        if (v == null || !inProgress(v.state())) {
            return false;
        }
        return v.state() == TransactionState.ONGOING ? v.epoch() == epoch : v.epoch() >= epoch;
    }

    /**
     * How the coordinator ended the transaction open at {@code epoch}, where it says so itself: its producer's latest
     * transaction is that one, complete, at the epoch its markers carried. Once the producer has begun another, only
     * a witness can tell.
     */
    static TransactionWitness.Evidence endedAtCoordinator(CoordinatorView v, int epoch) {
        if (v == null || v.epoch() != epoch + 1) {
            return TransactionWitness.Evidence.UNKNOWN;
        }
        return switch (v.state()) {
            case COMPLETE_COMMIT -> new TransactionWitness.Evidence(Outcome.COMMITTED, null);
            case COMPLETE_ABORT -> new TransactionWitness.Evidence(Outcome.ABORTED, null);
            default -> TransactionWitness.Evidence.UNKNOWN;
        };
    }

    /** Whether the cluster runs transaction.version 2 or later, where the coordinator bumps the epoch per transaction. */
    private boolean epochPerTransaction() throws Exception {
        var range = admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS).finalizedFeatures().get("transaction.version");
        return range != null && range.maxVersionLevel() >= 2;
    }

    /** Producer id to state and epoch of the coordinators' latest transaction of each of these producers. */
    private Map<Long, CoordinatorView> coordinatorViews(Set<Long> producerIds) throws Exception {
        List<String> ids = new ArrayList<>();
        for (TransactionListing l : admin.listTransactions().all().get(30, TimeUnit.SECONDS)) {
            if (producerIds.contains(l.producerId())) {
                ids.add(l.transactionalId());
            }
        }
        Map<Long, CoordinatorView> views = new HashMap<>();
        if (!ids.isEmpty()) {
            for (TransactionDescription d : admin.describeTransactions(ids).all().get(30, TimeUnit.SECONDS).values()) {
                views.put(d.producerId(), new CoordinatorView(d.state(), d.producerEpoch()));
            }
        }
        return views;
    }

    /** Ongoing, or writing its markers (a fenced producer's transaction is aborted by the same steps). */
    private static boolean inProgress(TransactionState state) {
        return state == TransactionState.ONGOING || state == TransactionState.PREPARE_COMMIT || state == TransactionState.PREPARE_ABORT
                || state == TransactionState.PREPARE_EPOCH_FENCE;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        admin.close(Duration.ofSeconds(2));
        witness.close();
        markers.close();
    }
}
