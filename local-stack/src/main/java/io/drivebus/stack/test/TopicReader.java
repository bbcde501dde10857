package io.drivebus.stack.test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a topic from the moment it is created (all partitions, committed records only unless made
 * {@link #uncommitted}, no consumer group), for tests that assert what a service wrote.
 */
public final class TopicReader implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final Deque<ConsumerRecord<String, byte[]>> buffered = new ArrayDeque<>();

    public TopicReader(String bootstrap, String topic) {
        this(bootstrap, topic, "read_committed");
    }

    /** Records also before their transaction commits, as clients read answers. */
    public static TopicReader uncommitted(String bootstrap, String topic) {
        return new TopicReader(bootstrap, topic, "read_uncommitted");
    }

    private TopicReader(String bootstrap, String topic, String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(tp -> consumer.position(tp, Duration.ofSeconds(30)));
    }

    /** The first record from now on that matches, or an AssertionError after the timeout. */
    public ConsumerRecord<String, byte[]> await(Predicate<ConsumerRecord<String, byte[]>> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            while (!buffered.isEmpty()) {
                ConsumerRecord<String, byte[]> r = buffered.poll();
                if (match.test(r)) {
                    return r;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching record within " + timeout);
            }
            consumer.poll(Duration.ofMillis(Math.min(200, Math.max(1, left / 1_000_000)))).forEach(buffered::add);
        }
    }

    /** Every record that arrives within {@code window}. */
    public List<ConsumerRecord<String, byte[]>> drain(Duration window) {
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>(buffered);
        buffered.clear();
        long deadline = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(100)).forEach(all::add);
        }
        return all;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
