package io.drivebus.reservation.streams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * How a transaction ended, read from another partition it wrote: the question Kafka's Admin API cannot answer, and
 * the one the hanging-transaction sweeper must, because a partition can lack the marker of a transaction that
 * committed everywhere else. Kafka 4.3's coordinator drops a partition from a transaction's markers when the
 * partition has no leader at that moment (its metadata cache returns no endpoint, read as "topic deleted"): a broker
 * restarting under load is such a moment, and the chaos harness hit it.
 *
 * <p>A witness is a changelog partition of this application — written by one task's producer only, so the records
 * next to a marker are that producer's — where the same producer shows no open transaction at the epoch the
 * coordinator's markers carry (transactions bump it by one when they end: KIP-890's transaction.version 2, the only
 * kind where a witness is sound, so the sweeper asks for none elsewhere). The sweeper writes its own markers at
 * that epoch too, so a partition it ended on an earlier round is a witness for the rest. Not the transaction's own
 * epoch: with no open transaction, that is a partition the transaction never wrote, showing the previous one's
 * marker (the chaos harness found that out: it committed an aborted transaction). The producer's last timestamp
 * there is its marker's, which locates the marker. If that marker is the partition's last record, nothing has been
 * written there since (another producer's record before it would have its own marker after it), so the data record
 * before it is the transaction's last on that partition, and a {@code read_committed} reader sees it exactly when
 * the transaction committed.
 */
final class TransactionWitness implements AutoCloseable {

    enum Outcome { COMMITTED, ABORTED, UNKNOWN }

    /** An outcome and the partition that showed it (null when unknown). */
    record Evidence(Outcome outcome, TopicPartition witness) {
        static final Evidence UNKNOWN = new Evidence(Outcome.UNKNOWN, null);
    }

    /** Records before a marker read to find the transaction's last one: a batch of a Streams commit is far smaller. */
    private static final int LOOK_BACK = 500;
    private static final int MAX_WITNESSES = 3;
    private static final Duration READ_FOR = Duration.ofSeconds(5);

    private final KafkaConsumer<byte[], byte[]> uncommitted;
    private final KafkaConsumer<byte[], byte[]> committed;

    TransactionWitness(Properties client) {
        this.uncommitted = consumer(client, "read_uncommitted");
        this.committed = consumer(client, "read_committed");
    }

    private static KafkaConsumer<byte[], byte[]> consumer(Properties client, String isolation) {
        Properties p = new Properties();
        p.putAll(client);
        p.remove("client.id");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(LOOK_BACK));
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * @param hanging where the transaction is still open
     * @param epoch the producer epoch it is open at there
     * @param states the producers of every partition the sweeper described this round
     */
    Evidence outcome(TopicPartition hanging, long producerId, int epoch, Map<TopicPartition, PartitionProducerState> states) {
        for (Map.Entry<TopicPartition, Long> w : witnesses(hanging, producerId, epoch, states)) {
            Outcome o = read(w.getKey(), w.getValue());
            if (o != Outcome.UNKNOWN) {
                return new Evidence(o, w.getKey());
            }
        }
        return Evidence.UNKNOWN;
    }

    /** Changelog partitions where the producer ended this transaction, each with its marker's timestamp. */
    static List<Map.Entry<TopicPartition, Long>> witnesses(TopicPartition hanging, long producerId, int epoch,
            Map<TopicPartition, PartitionProducerState> states) {
        List<Map.Entry<TopicPartition, Long>> found = new ArrayList<>();
        states.entrySet().stream().filter(e -> !e.getKey().equals(hanging) && e.getKey().topic().endsWith("-changelog"))
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(TopicPartition::toString))).forEach(e -> {
                    for (ProducerState ps : e.getValue().activeProducers()) {
                        if (ps.producerId() == producerId && ps.producerEpoch() == epoch + 1 && ps.currentTransactionStartOffset().isEmpty()
                                && found.size() < MAX_WITNESSES) {
                            found.add(Map.entry(e.getKey(), ps.lastTimestamp()));
                        }
                    }
                });
        return found;
    }

    private Outcome read(TopicPartition tp, long markerTimestamp) {
        OffsetAndTimestamp at = uncommitted.offsetsForTimes(Map.of(tp, markerTimestamp), READ_FOR).get(tp);
        if (at == null || at.timestamp() != markerTimestamp) {
            return Outcome.UNKNOWN;
        }
        long marker = at.offset();
        if (uncommitted.endOffsets(List.of(tp), READ_FOR).get(tp) != marker + 1) {
            // written after the marker: by another producer (the task moved on), whose records may also sit before it
            return Outcome.UNKNOWN;
        }
        // the data record right before the marker, and that the marker's offset holds no data (it is a control record)
        long lastData = -1;
        boolean markerIsControl = true;
        List<ConsumerRecord<byte[], byte[]>> before = records(uncommitted, tp, Math.max(0, marker - LOOK_BACK), marker + 1);
        if (before == null) {
            return Outcome.UNKNOWN;
        }
        for (ConsumerRecord<byte[], byte[]> r : before) {
            if (r.offset() < marker) {
                lastData = r.offset();
            } else if (r.offset() == marker) {
                markerIsControl = false;
            }
        }
        if (lastData != marker - 1 || !markerIsControl) {
            return Outcome.UNKNOWN; // the transaction's last record is right before its marker, or compaction took it
        }
        long last = lastData;
        long stable = committed.endOffsets(List.of(tp), READ_FOR).get(tp);
        if (stable <= last) {
            return Outcome.UNKNOWN; // another transaction still open before it: read_committed cannot tell yet
        }
        List<ConsumerRecord<byte[], byte[]>> seen = records(committed, tp, last, Math.min(stable, marker + 1));
        if (seen == null) {
            return Outcome.UNKNOWN;
        }
        return seen.stream().anyMatch(r -> r.offset() == last) ? Outcome.COMMITTED : Outcome.ABORTED;
    }

    /**
     * The records from {@code from} a reader returns before {@code until} (an offset it will reach: at most the end);
     * null if it did not get there in time, so that a record not read is never taken for one skipped.
     */
    private static List<ConsumerRecord<byte[], byte[]>> records(KafkaConsumer<byte[], byte[]> c, TopicPartition tp, long from, long until) {
        c.assign(List.of(tp));
        c.seek(tp, from);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        long deadline = System.nanoTime() + READ_FOR.toNanos();
        while (c.position(tp, READ_FOR) < until && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                if (r.offset() < until) {
                    out.add(r);
                }
            }
        }
        boolean reached = c.position(tp, READ_FOR) >= until;
        c.unsubscribe();
        return reached ? out : null;
    }

    @Override
    public void close() {
        uncommitted.close();
        committed.close();
    }
}
