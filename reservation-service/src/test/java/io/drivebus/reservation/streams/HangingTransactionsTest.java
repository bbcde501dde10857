package io.drivebus.reservation.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.stack.test.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The hanging-transaction sweeper on a real broker: it leaves a live transaction alone however long it runs, and the
 * abort it writes for a hanging one is one the broker takes — the partition's last stable offset moves past it.
 * (A truly hanging transaction needs a broker killed at the wrong moment; the chaos harness does that.)
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class HangingTransactionsTest {
    final AtomicLong now = new AtomicLong(1_000_000);

    @Test
    void aLiveTransactionIsLeftAloneAndAHangingOnesAbortIsTakenByTheBroker() throws Exception {
        String topic = "hanging-" + Long.toHexString(System.nanoTime());
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrap()));
                KafkaProducer<String, byte[]> producer = transactional()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", new byte[] {1})).get();
            assertEquals(0, lastStableOffset(tp), "the open transaction holds read_committed readers");

            HangingTransactions careful = new HangingTransactions(client(), List.of(topic), Duration.ofSeconds(30), now::get, true);
            assertEquals(List.of(), careful.sweep(), "first seen now");
            now.addAndGet(60_000);
            assertEquals(List.of(), careful.sweep(), "the coordinator still tracks it: not ours to abort");
            assertEquals(0, lastStableOffset(tp));

            // as if the coordinator had forgotten it
            HangingTransactions sweeper = new HangingTransactions(client(), List.of(topic), Duration.ofSeconds(30), now::get, false);
            assertEquals(List.of(), sweeper.sweep(), "not yet open long enough");
            now.addAndGet(31_000);
            var aborted = sweeper.sweep();
            assertEquals(1, aborted.size());
            assertEquals(tp, aborted.get(0).topicPartition());
            assertEquals(TransactionWitness.Outcome.UNKNOWN, aborted.get(0).evidence().outcome(), "no other partition to witness it");
            assertFalse(aborted.get(0).committed(), "aborted, as Kafka's own tool would");
            assertEquals(1, admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers().get(0).producerEpoch(),
                    "its marker at the next epoch, as the coordinator's (the transaction was open at 0)");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (lastStableOffset(tp) < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(lastStableOffset(tp) >= 2, "the abort marker lets readers past the record");
        }
    }

    @Test
    void aHangingOffsetCommitOnTheGroupsOffsetsTopicIsFoundAndAbortedSoTheGroupsOffsetsCanBeReadAgain() throws Exception {
        String topic = "hanging-offsets-" + Long.toHexString(System.nanoTime());
        String group = "hanging-group-" + Long.toHexString(System.nanoTime());
        TopicPartition tp = new TopicPartition(topic, 0);
        String transactionalId = "hanging-test-" + System.nanoTime();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrap()));
                KafkaProducer<String, byte[]> producer = transactional(transactionalId)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            producer.initTransactions();
            producer.beginTransaction();
            // what a Streams commit does: the consumed offsets go into the transaction, on the group's offsets partition
            producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(5)), new ConsumerGroupMetadata(group));
            assertThrows(org.apache.kafka.common.errors.TimeoutException.class, () -> committed(group, tp),
                    "a pending offset commit keeps a read_committed reader from the group's offsets");

            // the service's own list of topics it writes: the offsets topic among them, found although it is internal
            List<String> written = HangingTransactions.written("drivebus-reservation-test");
            assertTrue(written.contains("__consumer_offsets"));
            HangingTransactions sweeper = new HangingTransactions(client(), written, Duration.ofSeconds(30), now::get, false);
            // this broker is shared with the service under test: consider only this test's producer
            long ours = admin.describeTransactions(List.of(transactionalId)).all().get().get(transactionalId).producerId();
            sweeper.sweep(id -> id == ours);
            now.addAndGet(31_000);
            var aborted = sweeper.sweep(id -> id == ours);
            assertTrue(aborted.stream().anyMatch(a -> a.topicPartition().topic().equals("__consumer_offsets")), "aborted: " + aborted);
            assertNull(committed(group, tp), "the group's offsets can be read again (the aborted commit is gone)");
        }
    }

    @Test
    void aHangingTransactionThatCommittedOnItsOtherPartitionIsCommittedThereTooNotSplit() throws Exception {
        Split split = split(true);
        try (KafkaProducer<String, byte[]> producer = split.producer) {
            var ended = endedOnceHanging(split.producerId, split.hanging, split.witness);
            assertEquals(1, ended.size(), "ended: " + ended);
            assertEquals(split.hanging, ended.get(0).topicPartition());
            assertEquals(split.witness, ended.get(0).evidence().witness());
            assertTrue(ended.get(0).committed(), "it committed on the witness");
            assertEquals(List.of("on the hanging partition"), committedValues(split.hanging), "its record is committed, not lost");
        }
    }

    @Test
    void aHangingTransactionThatAbortedOnItsOtherPartitionIsAborted() throws Exception {
        Split split = split(false);
        try (KafkaProducer<String, byte[]> producer = split.producer) {
            var ended = endedOnceHanging(split.producerId, split.hanging, split.witness);
            assertEquals(1, ended.size(), "ended: " + ended);
            assertEquals(split.witness, ended.get(0).evidence().witness());
            assertEquals(TransactionWitness.Outcome.ABORTED, ended.get(0).evidence().outcome());
            assertEquals(List.of(), committedValues(split.hanging), "aborted: a read_committed reader skips its record");
        }
    }

    @Test
    void aWitnessWrittenAfterItsMarkerSaysNothingSoTheSweeperFallsBackToAborting() throws Exception {
        Split split = split(true);
        // another producer's record after the marker: the task moved on, and its records may sit before the marker too
        Properties p = client();
        try (KafkaProducer<String, byte[]> other = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            other.send(new ProducerRecord<>(split.witness.topic(), "k", "a later owner".getBytes())).get();
        }
        try (KafkaProducer<String, byte[]> producer = split.producer) {
            var ended = endedOnceHanging(split.producerId, split.hanging, split.witness);
            assertEquals(1, ended.size(), "ended: " + ended);
            assertEquals(TransactionWitness.Outcome.UNKNOWN, ended.get(0).evidence().outcome());
            assertFalse(ended.get(0).committed(), "unknown: aborted, Kafka's own remedy");
        }
    }

    @Test
    void aPartitionEndedFromOutsideEarlierIsAWitnessForTheRestSoTheSweeperFollowsItself() throws Exception {
        // a transaction open on two partitions, ended on one of them from outside at the next epoch (as this sweeper
        // does, e.g. on a round that could describe only that one), and with no other witness
        String name = "followed-" + Long.toHexString(System.nanoTime());
        TopicPartition first = new TopicPartition(name + "-drives-changelog", 0);
        TopicPartition second = new TopicPartition(name + "-reservations-changelog", 0);
        try (Admin admin = Admin.create(client()); TransactionMarkers markers = new TransactionMarkers(client());
                KafkaProducer<String, byte[]> producer = transactional()) {
            admin.createTopics(List.of(new NewTopic(first.topic(), 1, (short) 1), new NewTopic(second.topic(), 1, (short) 1))).all().get();
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(first.topic(), "d1", "held".getBytes())).get();
            producer.send(new ProducerRecord<>(second.topic(), "r1", "granted".getBytes())).get();
            var open = admin.describeProducers(List.of(first)).partitionResult(first).get().activeProducers().get(0);
            var leader = admin.describeTopics(List.of(first.topic())).allTopicNames().get().get(first.topic()).partitions().get(0).leader();
            markers.write(leader, first, open.producerId(), HangingTransactions.markerEpoch(open.producerEpoch(), true),
                    open.coordinatorEpoch().orElse(-1), true);
            assertEquals(List.of("held"), committedValues(first));

            var ended = endedOnceHanging(open.producerId(), first, second);
            assertEquals(1, ended.size(), "ended: " + ended);
            assertEquals(first, ended.get(0).evidence().witness());
            assertTrue(ended.get(0).committed(), "as it was ended on the first");
            assertEquals(List.of("granted"), committedValues(second));
        }
    }

    @Test
    void aPartitionTheTransactionNeverWroteIsNoWitnessThoughItShowsTheTransactionsEpoch() throws Exception {
        // the chaos run of 7 Dec 18:21: a transaction in progress when the broker died had written the drives changelog
        // but not the seen-requests one, which showed its epoch with no open transaction — the previous transaction's
        // marker. Taken for a witness, it had the sweeper commit a transaction its coordinator aborted.
        String name = "previous-" + Long.toHexString(System.nanoTime());
        TopicPartition drives = new TopicPartition(name + "-drives-changelog", 0);
        TopicPartition seen = new TopicPartition(name + "-seen-changelog", 0);
        try (Admin admin = Admin.create(client()); KafkaProducer<String, byte[]> producer = transactional()) {
            admin.createTopics(List.of(new NewTopic(drives.topic(), 1, (short) 1), new NewTopic(seen.topic(), 1, (short) 1))).all().get();
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(drives.topic(), "d1", "held".getBytes())).get();
            producer.send(new ProducerRecord<>(seen.topic(), "r1", "seen".getBytes())).get();
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(drives.topic(), "d1", "released".getBytes())).get();
            var open = admin.describeProducers(List.of(drives)).partitionResult(drives).get().activeProducers().get(0);
            var onSeen = admin.describeProducers(List.of(seen)).partitionResult(seen).get().activeProducers().get(0);
            assertEquals(open.producerEpoch(), onSeen.producerEpoch(), "the seen partition shows the open transaction's epoch");
            assertTrue(onSeen.currentTransactionStartOffset().isEmpty());

            var ended = endedOnceHanging(open.producerId(), drives, seen);
            assertEquals(1, ended.size(), "ended: " + ended);
            assertEquals(TransactionWitness.Outcome.UNKNOWN, ended.get(0).evidence().outcome(), "no witness");
            assertEquals(List.of("held"), committedValues(drives), "the open transaction aborted, not committed");
        }
    }

    /** What a sweeper of these partitions' topics ends of the producer's transactions once it has seen them open long enough. */
    private List<HangingTransactions.Ended> endedOnceHanging(long producerId, TopicPartition... partitions) throws Exception {
        List<String> topics = java.util.Arrays.stream(partitions).map(TopicPartition::topic).toList();
        try (HangingTransactions sweeper = new HangingTransactions(client(), topics, Duration.ofSeconds(30), now::get, false)) {
            assertEquals(List.of(), sweeper.sweep(id -> id == producerId), "first seen now");
            now.addAndGet(31_000);
            return sweeper.sweep(id -> id == producerId);
        }
    }

    /** A transaction open on one changelog partition and ended on another, at its producer's next epoch. */
    private record Split(KafkaProducer<String, byte[]> producer, long producerId, TopicPartition hanging, TopicPartition witness) {
    }

    /**
     * What a coordinator that dropped one partition from a transaction's markers leaves: one transaction, its marker
     * written on one partition (at the bumped epoch, as Kafka 4's coordinator writes it) and not on the other.
     */
    private Split split(boolean committed) throws Exception {
        String name = "split-" + Long.toHexString(System.nanoTime());
        TopicPartition hanging = new TopicPartition(name + "-drives-changelog", 0);
        TopicPartition witness = new TopicPartition(name + "-seen-changelog", 0);
        String transactionalId = "hanging-test-" + System.nanoTime();
        KafkaProducer<String, byte[]> producer = transactional(transactionalId);
        try (Admin admin = Admin.create(client()); TransactionMarkers markers = new TransactionMarkers(client())) {
            admin.createTopics(List.of(new NewTopic(hanging.topic(), 1, (short) 1), new NewTopic(witness.topic(), 1, (short) 1))).all().get();
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(hanging.topic(), "k", "on the hanging partition".getBytes())).get();
            producer.send(new ProducerRecord<>(witness.topic(), "k", "on the witness".getBytes())).get();
            var open = admin.describeProducers(List.of(witness)).partitionResult(witness).get().activeProducers().get(0);
            var leader = admin.describeTopics(List.of(witness.topic())).allTopicNames().get().get(witness.topic()).partitions().get(0).leader();
            markers.write(leader, witness, open.producerId(), (short) (open.producerEpoch() + 1), open.coordinatorEpoch().orElse(-1), committed);
            assertEquals(committed ? List.of("on the witness") : List.of(), committedValues(witness), "the witness' marker is written");
            assertEquals(0, lastStableOffset(hanging), "the other partition still shows it open");
            return new Split(producer, open.producerId(), hanging, witness);
        } catch (Exception | AssertionError e) {
            producer.close(Duration.ZERO);
            throw e;
        }
    }

    /** The values a read_committed reader gets from {@code tp}. */
    private static List<String> committedValues(TopicPartition tp) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            List<String> values = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> values.add(new String(r.value())));
            }
            return values;
        }
    }

    @Test
    void aCompleteTransactionAtTheNextEpochIsTheOneThatHangsAndSaysHowItEnded() {
        // the coordinator's latest transaction of producer 2 ended at 726: the one open at 725 on a partition
        assertEquals(TransactionWitness.Outcome.COMMITTED, HangingTransactions.endedAtCoordinator(view(TransactionState.COMPLETE_COMMIT, 726), 725).outcome());
        assertEquals(TransactionWitness.Outcome.ABORTED, HangingTransactions.endedAtCoordinator(view(TransactionState.COMPLETE_ABORT, 726), 725).outcome());
        // a later one ended, or the latest is still going: that says nothing of 725
        assertEquals(TransactionWitness.Outcome.UNKNOWN, HangingTransactions.endedAtCoordinator(view(TransactionState.COMPLETE_COMMIT, 728), 725).outcome());
        assertEquals(TransactionWitness.Outcome.UNKNOWN, HangingTransactions.endedAtCoordinator(view(TransactionState.ONGOING, 726), 725).outcome());
        assertEquals(TransactionWitness.Outcome.UNKNOWN, HangingTransactions.endedAtCoordinator(null, 725).outcome());
        assertFalse(HangingTransactions.trackedByCoordinator(Map.of(2L, view(TransactionState.COMPLETE_COMMIT, 726)), 2, 725),
                "a complete transaction is no longer the coordinator's to end");
        // the sweeper's own markers: at the next epoch where each transaction has its own, else at the same
        assertEquals(726, HangingTransactions.markerEpoch(725, true));
        assertEquals(725, HangingTransactions.markerEpoch(725, false));
        assertEquals(Short.MAX_VALUE, HangingTransactions.markerEpoch(Short.MAX_VALUE, true));
    }

    private static Properties client() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrap());
        return p;
    }

    /** The group's committed offset of {@code tp} as a read_committed consumer sees it (stable offsets only). */
    private static OffsetAndMetadata committed(String group, TopicPartition tp) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            return c.committed(java.util.Set.of(tp), Duration.ofSeconds(3)).get(tp);
        }
    }

    @Test
    void anOngoingTransactionIsTheCoordinatorsAtTheSameEpochOnly() {
        // Kafka 4 bumps the producer's epoch per transaction: producer 1 in a transaction at epoch 1900 has ended the
        // one a partition still shows open at epoch 1861 (the chaos run's stall: that one was never aborted)
        assertTrue(HangingTransactions.trackedByCoordinator(Map.of(1L, view(TransactionState.ONGOING, 1861)), 1, 1861));
        assertFalse(HangingTransactions.trackedByCoordinator(Map.of(1L, view(TransactionState.ONGOING, 1900)), 1, 1861));
        assertFalse(HangingTransactions.trackedByCoordinator(Map.of(2L, view(TransactionState.ONGOING, 1861)), 1, 1861));
        assertFalse(HangingTransactions.trackedByCoordinator(Map.of(), 1, 1861));
    }

    @Test
    void aTransactionWhoseMarkersAreBeingWrittenIsTheCoordinatorsAtTheBumpedEpoch() {
        // writing the markers of the transaction a partition shows open at 725, the coordinator reports epoch 726:
        // an abort then would split a transaction that commits on its other partitions
        for (TransactionState s : List.of(TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT, TransactionState.PREPARE_EPOCH_FENCE)) {
            assertTrue(HangingTransactions.trackedByCoordinator(Map.of(2L, view(s, 726)), 2, 725), s.toString());
            assertTrue(HangingTransactions.trackedByCoordinator(Map.of(2L, view(s, 725)), 2, 725), s.toString());
            assertFalse(HangingTransactions.trackedByCoordinator(Map.of(2L, view(s, 724)), 2, 725), s.toString());
        }
    }

    private static HangingTransactions.CoordinatorView view(TransactionState state, int epoch) {
        return new HangingTransactions.CoordinatorView(state, epoch);
    }

    private static KafkaProducer<String, byte[]> transactional() {
        return transactional("hanging-test-" + System.nanoTime());
    }

    private static KafkaProducer<String, byte[]> transactional(String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrap());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "120000");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static long lastStableOffset(TopicPartition tp) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }
}
