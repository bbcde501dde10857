package io.drivebus.reservation.streams;

import io.drivebus.schemas.Topics;
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
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Aborts transactions left open on the partitions this service writes after the transaction coordinator stopped
 * tracking them. Found by the chaos harness: a broker killed with kill -9 mid-transaction came back, aborted the
 * transaction in its log, but never wrote the abort marker to two changelog partitions. Their last stable offset
 * then stays put for good, so the task restoring from them never becomes active and its libraries get no answers.
 * This is Kafka's "hanging transaction" (KIP-664), and its remedy is the one the {@code kafka-transactions.sh
 * find-hanging/abort} tool applies: write the abort marker for that producer directly.
 *
 * <p>Never a live transaction: a transaction is aborted only when this sweeper has seen it open at the same start
 * offset for {@code hangingAfter} of its own wall-clock time — far longer than any live one can stay open (the
 * transaction timeout, 2 s, plus the coordinator's abort check) — and the coordinator is not in that transaction
 * (its producer is not in one, or only in a later one, and is not writing markers: {@link #trackedByCoordinator}).
 * Needs the ClusterAction (or, from Kafka 3.8, Alter) permission on the cluster; without it the sweeper logs what to
 * abort by hand.
 *
 * <p>What it cannot know: whether the coordinator committed a transaction whose marker a partition lacks after the
 * coordinator finished it. Kafka has no way to ask, nor to write a commit marker from outside; the abort then splits
 * the transaction (docs/known-issues.md).
 */
final class HangingTransactions implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HangingTransactions.class);

    private final Admin admin;
    private final List<String> topics;
    private final long hangingAfterMs;
    private final LongSupplier clock;
    private final boolean askCoordinator;
    /** Open transactions seen, by partition, producer, epoch and start offset: when first seen. */
    private final Map<String, Long> firstSeen = new HashMap<>();
    private ScheduledExecutorService timer;
    private long lastWarning = Long.MIN_VALUE / 2;

    HangingTransactions(Admin admin, String applicationId, Duration hangingAfter, LongSupplier clock) {
        this(admin, written(applicationId), hangingAfter, clock, true);
    }

    /** @param askCoordinator false only in tests, to abort a transaction the coordinator still tracks */
    HangingTransactions(Admin admin, List<String> topics, Duration hangingAfter, LongSupplier clock, boolean askCoordinator) {
        this.admin = admin;
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

    /** One check; returns the aborts it asked for. */
    List<AbortTransactionSpec> sweep() throws Exception {
        return sweep(producerId -> true);
    }

    /** @param producers which producers' transactions to consider (tests on a shared broker: only their own) */
    List<AbortTransactionSpec> sweep(LongPredicate producers) throws Exception {
        Map<String, TopicDescription> described = admin.describeTopics(existing()).allTopicNames().get(30, TimeUnit.SECONDS);
        List<TopicPartition> partitions = new ArrayList<>();
        described.values().forEach(d -> d.partitions().forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition()))));
        Map<TopicPartition, PartitionProducerState> states = producerStates(partitions);
        long now = clock.getAsLong();
        Set<String> open = new HashSet<>();
        List<AbortTransactionSpec> due = new ArrayList<>();
        Map<Long, CoordinatorView> inTransaction = null;
        for (var e : states.entrySet()) {
            for (ProducerState ps : e.getValue().activeProducers()) {
                if (ps.currentTransactionStartOffset().isEmpty() || !producers.test(ps.producerId())) {
                    continue;
                }
                String key = e.getKey() + "/" + ps.producerId() + "/" + ps.producerEpoch() + "/" + ps.currentTransactionStartOffset().getAsLong();
                open.add(key);
                long since = firstSeen.computeIfAbsent(key, k -> now);
                if (now - since < hangingAfterMs) {
                    continue;
                }
                if (inTransaction == null && askCoordinator) {
                    inTransaction = producersInTransaction();
                }
                if (askCoordinator && trackedByCoordinator(inTransaction, ps.producerId(), ps.producerEpoch())) {
                    continue; // the coordinator is in this very transaction: it will end it
                }
                due.add(new AbortTransactionSpec(e.getKey(), ps.producerId(), (short) ps.producerEpoch(), ps.coordinatorEpoch().orElse(-1)));
            }
        }
        firstSeen.keySet().retainAll(open);
        for (AbortTransactionSpec spec : due) {
            try {
                admin.abortTransaction(spec).all().get(30, TimeUnit.SECONDS);
                LOG.warnf("aborted a hanging transaction on %s (producer %d, epoch %d): open for over %d s, unknown to its coordinator",
                        spec.topicPartition(), spec.producerId(), spec.producerEpoch(), hangingAfterMs / 1000);
            } catch (Exception ex) {
                LOG.errorf("a hanging transaction blocks %s (producer %d, epoch %d) and could not be aborted (%s); abort it with "
                        + "kafka-transactions.sh abort --topic %s --partition %d --producer-id %d --producer-epoch %d --coordinator-epoch %d",
                        spec.topicPartition(), spec.producerId(), spec.producerEpoch(), ex.getMessage(), spec.topicPartition().topic(),
                        spec.topicPartition().partition(), spec.producerId(), spec.producerEpoch(), spec.coordinatorEpoch());
            }
        }
        return due;
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

    /** What a coordinator says of a producer's transaction in progress. */
    record CoordinatorView(TransactionState state, int epoch) {
    }

    /**
     * Whether the coordinator is in the transaction a partition shows open. Kafka 4's transactions (KIP-890) bump
     * the producer's epoch with every transaction, so the same producer in an ongoing transaction says nothing about
     * an older one: only the same epoch is the same transaction. Found by the chaos harness: a live instance reusing
     * its transactional id was in a new transaction almost whenever the sweeper asked, so its hanging older one, whose
     * pending offset commit kept the group's committed offsets unreadable, was never aborted. But a coordinator that
     * is writing a transaction's markers (prepare-commit or -abort) has bumped the epoch already, to the one the
     * markers carry: that transaction is still its own, and its markers will end it. Aborting it then would put an
     * abort marker on one partition of a transaction that commits on the others.
     */
    static boolean trackedByCoordinator(Map<Long, CoordinatorView> inTransaction, long producerId, int epoch) {
        CoordinatorView v = inTransaction.get(producerId);
        if (v == null) {
            return false;
        }
        return v.state() == TransactionState.ONGOING ? v.epoch() == epoch : v.epoch() >= epoch;
    }

    /** Producer id to state and epoch of every transaction the coordinators have in progress. */
    private Map<Long, CoordinatorView> producersInTransaction() throws Exception {
        List<String> ids = new ArrayList<>();
        for (TransactionListing l : admin.listTransactions().all().get(30, TimeUnit.SECONDS)) {
            if (inProgress(l.state())) {
                ids.add(l.transactionalId());
            }
        }
        Map<Long, CoordinatorView> views = new HashMap<>();
        if (!ids.isEmpty()) {
            for (TransactionDescription d : admin.describeTransactions(ids).all().get(30, TimeUnit.SECONDS).values()) {
                if (inProgress(d.state())) {
                    views.put(d.producerId(), new CoordinatorView(d.state(), d.producerEpoch()));
                }
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
    }
}
