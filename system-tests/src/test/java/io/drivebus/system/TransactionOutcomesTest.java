package io.drivebus.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.stack.KafkaBroker;
import io.drivebus.stack.KafkaCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading how transactions ended from a real broker's segments. */
class TransactionOutcomesTest {

    @Test
    void aTransactionAbortedOnOnePartitionAndCommittedOnAnotherIsSplit(@TempDir Path dir) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dir, 0)) {
            Path data = broker.dir().resolve("data");
            splitOne(broker.bootstrap(), List.of(data));
            Map<String, String> onAnswers = TransactionOutcomes.endsOf(data.resolve("answers-0").toFile());
            assertEquals(2, onAnswers.size(), "both transactions' ends read: " + onAnswers);
            assertTrue(onAnswers.values().stream().allMatch("COMMIT"::equals), onAnswers.toString());
        }
    }

    @Test
    void onAClusterEveryBrokersReplicasAreRead(@TempDir Path dir) throws Exception {
        try (KafkaCluster cluster = KafkaCluster.start(dir, 3)) {
            splitOne(cluster.bootstrap(), cluster.brokers().stream().map(b -> b.dir().resolve("data")).toList());
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrap()))) {
                // the topics and the coordinator's log took the cluster's three replicas, as a deployment's do
                for (var t : admin.describeTopics(List.of("answers", "__transaction_state")).allTopicNames().get().values()) {
                    assertTrue(t.partitions().stream().allMatch(p -> p.replicas().size() == 3), t.toString());
                }
            }
            cluster.awaitInSync(Duration.ofSeconds(30));
        }
    }

    /** Commits a transaction on "answers" that a marker from outside aborted on "changelog", and reads it as split. */
    private static void splitOne(String bootstrap, List<Path> data) throws Exception {
        TopicPartition changelog = new TopicPartition("changelog", 0);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic("answers", Optional.of(1), Optional.empty()),
                    new NewTopic("changelog", Optional.of(1), Optional.empty()))).all().get();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "transaction-outcomes-test");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                // a whole transaction first: it ends the same way on both, so it is not reported
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("answers", "lib", "granted")).get();
                producer.send(new ProducerRecord<>("changelog", "lib", "held")).get();
                producer.commitTransaction();

                producer.beginTransaction();
                producer.send(new ProducerRecord<>("answers", "lib", "released")).get();
                producer.send(new ProducerRecord<>("changelog", "lib", "free")).get();
                // what the sweeper did in the chaos run: an abort marker on one partition, written from outside
                ProducerState open = admin.describeProducers(List.of(changelog)).partitionResult(changelog).get().activeProducers().get(0);
                admin.abortTransaction(new AbortTransactionSpec(changelog, open.producerId(), (short) open.producerEpoch(),
                        open.coordinatorEpoch().orElse(-1))).all().get();
                producer.commitTransaction();

                List<String> splits = awaitSplits(data, Duration.ofSeconds(30));
                assertEquals(List.of(open.producerId() + "/" + open.producerEpoch() + " {answers-0=COMMIT, changelog-0=ABORT}"), splits);
            }
        }
    }

    /** The coordinator writes the markers after the commit call returns. */
    private static List<String> awaitSplits(List<Path> data, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        List<String> splits = strings(TransactionOutcomes.splits(data));
        while (splits.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            splits = strings(TransactionOutcomes.splits(data));
        }
        return splits;
    }

    private static List<String> strings(List<TransactionOutcomes.Split> splits) {
        return splits.stream().map(Object::toString).toList();
    }

    @Test
    void onlyASplitWhoseOnlyAbortedPartIsTheConsumedOffsetsIsARedelivery() {
        // the chaos run of 7 Dec 17:33: its outputs and state committed, its offsets commit aborted: inputs read again
        assertTrue(split(Map.of("__consumer_offsets-3", "ABORT", "events-3", "COMMIT", "drives-changelog-3", "COMMIT")).redelivers());
        // the run of 17:11: offsets committed, outputs aborted: its inputs are never answered
        assertFalse(split(Map.of("__consumer_offsets-3", "COMMIT", "events-3", "ABORT", "drives-changelog-3", "ABORT")).redelivers());
        // the run of 15:29: state changes aborted, answers committed
        assertFalse(split(Map.of("__consumer_offsets-3", "COMMIT", "events-3", "COMMIT", "drives-changelog-3", "ABORT")).redelivers());
        assertFalse(split(Map.of("__consumer_offsets-3", "ABORT", "events-3", "COMMIT", "drives-changelog-3", "ABORT")).redelivers());
        // two replicas of one partition that disagree lose whichever way the rest went
        assertFalse(split(Map.of("__consumer_offsets-3", "ABORT", "events-3", TransactionOutcomes.REPLICAS_DIFFER)).redelivers());
    }

    private static TransactionOutcomes.Split split(Map<String, String> ends) {
        return new TransactionOutcomes.Split("2/644", new java.util.TreeMap<>(ends));
    }
}
