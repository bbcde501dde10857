package io.drivebus.reservation.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.stack.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own fault behind the chaos harness' split transaction, made on demand with two real brokers, and the
 * sweeper's answer to it. A transaction coordinator that writes a commit's markers while a partition of the
 * transaction has no leader skips that partition (Kafka 4.3's metadata cache gives no endpoint for a leaderless
 * partition, which the coordinator takes for a deleted topic) and records the commit complete. When the partition's
 * broker returns, the transaction is open there for good: a hanging transaction whose other partitions committed.
 */
class LeaderlessPartitionCommitTest {
    private final AtomicLong now = new AtomicLong(1_000_000);

    @Test
    void aCommitWhileAPartitionHasNoLeaderLeavesItOpenThereAndTheSweeperCommitsItThere(@TempDir Path dir) throws Exception {
        TopicPartition drives = new TopicPartition("repro-drives-changelog", 0); // the partition that loses its leader
        TopicPartition seen = new TopicPartition("repro-seen-changelog", 0);
        TopicPartition events = new TopicPartition("repro-events-changelog", 0);
        try (KafkaBroker first = KafkaBroker.start(dir.resolve("node-1"), 0);
                KafkaProducer<String, String> producer = transactional(first.bootstrap())) {
            producer.initTransactions(); // the transaction log is made now, with node 1 alone: its coordinator stays up
            try (KafkaBroker second = first.join(dir.resolve("node-2"), 2); Admin admin = Admin.create(client(first.bootstrap()))) {
                await("two brokers", () -> nodes(admin) == 2);
                admin.createTopics(List.of(new NewTopic(drives.topic(), Map.of(0, List.of(2))), new NewTopic(seen.topic(), Map.of(0, List.of(1))),
                        new NewTopic(events.topic(), Map.of(0, List.of(1))))).all().get();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(drives.topic(), "d1", "held by r1")).get();
                producer.send(new ProducerRecord<>(seen.topic(), "r1", "seen")).get();
                producer.send(new ProducerRecord<>(events.topic(), "r1", "granted d1")).get();

                second.close();
                await("the drives partition without a leader", () -> leader(admin, drives) == null);
                producer.commitTransaction();
                await("the coordinator done with the commit", () -> state(admin) == TransactionState.COMPLETE_COMMIT);
                second.startProcess();
                await("the drives partition led again", () -> leader(admin, drives) != null);

                assertEquals(List.of("seen"), committedValues(first.bootstrap(), seen), "committed where the marker was written");
                assertEquals(0, lastStableOffset(first.bootstrap(), drives), "open for good where it was not: Kafka's own fault");

                // the producer goes on, so only a witness can say how the first transaction ended
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(seen.topic(), "r2", "seen")).get();
                producer.commitTransaction();

                try (HangingTransactions sweeper = new HangingTransactions(client(first.bootstrap()),
                        List.of(drives.topic(), seen.topic(), events.topic()), Duration.ofSeconds(30), now::get, true)) {
                    assertEquals(List.of(), sweeper.sweep(), "first seen now");
                    now.addAndGet(31_000);
                    var ended = sweeper.sweep();
                    assertEquals(1, ended.size(), "ended: " + ended);
                    assertEquals(drives, ended.get(0).topicPartition());
                    assertEquals(events, ended.get(0).evidence().witness(), "the seen partition's producer has moved on; events has not");
                    assertTrue(ended.get(0).committed());
                }
                assertEquals(List.of("held by r1"), committedValues(first.bootstrap(), drives), "the state change is kept, as its answer was");
            }
        }
    }

    /**
     * The sweeper's marker sent to a broker that no longer leads the partition (the leader moved between the round's
     * look and its write, as in the 3-broker chaos run of 8 December): the broker refuses it, and the sweeper takes
     * that for a leader away, to look at again next round, not for a missing permission.
     */
    @Test
    void aMarkerSentToABrokerThatDoesNotLeadThePartitionIsRefusedAsTheLeaderAway(@TempDir Path dir) throws Exception {
        TopicPartition drives = new TopicPartition("moved-drives-changelog", 0);
        try (KafkaBroker first = KafkaBroker.start(dir.resolve("node-1"), 0); KafkaBroker second = first.join(dir.resolve("node-2"), 2);
                Admin admin = Admin.create(client(first.bootstrap())); TransactionMarkers markers = new TransactionMarkers(client(first.bootstrap()))) {
            await("two brokers", () -> nodes(admin) == 2);
            // node 1 a follower, as the old leader was in the chaos run
            admin.createTopics(List.of(new NewTopic(drives.topic(), Map.of(0, List.of(2, 1))))).all().get();
            await("the partition led by node 2", () -> leader(admin, drives) != null && leader(admin, drives).id() == 2);
            Node notLeader = admin.describeCluster().nodes().get().stream().filter(n -> n.id() == 1).findFirst().orElseThrow();

            Exception refused = assertThrows(Exception.class, () -> markers.write(notLeader, drives, 4711, (short) 1, 0, true));
            assertInstanceOf(NotLeaderOrFollowerException.class, refused, "refused: " + refused);
            assertTrue(HangingTransactions.leaderAway(refused));
            assertTrue(HangingTransactions.leaderAway(new java.io.IOException("leader 127.0.0.1:1 of " + drives + " not reachable")));
            assertFalse(HangingTransactions.leaderAway(new ClusterAuthorizationException("no ClusterAction")),
                    "a missing permission is an error the operator must see");
        }
    }

    private static final String TRANSACTIONAL_ID = "leaderless-commit";

    private static TransactionState state(Admin admin) {
        try {
            return admin.describeTransactions(List.of(TRANSACTIONAL_ID)).all().get().get(TRANSACTIONAL_ID).state();
        } catch (Exception e) {
            return null;
        }
    }

    private static int nodes(Admin admin) {
        try {
            return admin.describeCluster().nodes().get().size();
        } catch (Exception e) {
            return 0;
        }
    }

    private static Node leader(Admin admin, TopicPartition tp) {
        try {
            Node n = admin.describeTopics(List.of(tp.topic())).allTopicNames().get().get(tp.topic()).partitions().get(tp.partition()).leader();
            return n == null || n.isEmpty() ? null : n;
        } catch (Exception e) {
            return null;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(100);
        }
    }

    private static Properties client(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    private static KafkaProducer<String, String> transactional(String bootstrap) {
        Properties p = client(bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static List<String> committedValues(String bootstrap, TopicPartition tp) {
        Properties p = client(bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
            return values;
        }
    }

    private static long lastStableOffset(String bootstrap, TopicPartition tp) {
        Properties p = client(bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }
}
