package io.drivebus.reservation.streams;

import io.drivebus.schemas.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * What the service itself appends to the requests topic (relayed statuses and results, ticks, forwarded requests),
 * written outside its Streams transaction.
 *
 * <p>Inside it, each such record would hold the partition's last stable offset until the commit, and every client
 * request behind it would wait for that commit before the service, reading {@code read_committed}, could see it:
 * grant latency grew with the commit interval (docs/design-notes.md). Out of the transaction the appends are sent
 * without waiting and flushed just before each commit ({@link FlushBeforeCommit}): a relay is then durable before its
 * input's offset is committed, and nothing is lost. A record appended by an attempt that is then aborted stays in
 * the log, so a replay reads exactly what the aborted attempt read, and decides the same; a copy appended twice
 * (by the replay, or by a fenced instance) is decided once: a status by its sequence, a result by its command, a
 * forward by its request id, and a tick changes nothing the first did not.
 */
interface RequestsLog {

    void append(String key, byte[] value, Headers headers, long timestamp);

    /** A plain idempotent producer, with the connection and security settings of the Streams clients. */
    final class Producer implements RequestsLog, AutoCloseable {
        private final org.apache.kafka.clients.producer.Producer<String, byte[]> producer;
        /** The first failed append of each stream thread since its last commit; the callback runs on the I/O thread. */
        private final ThreadLocal<AtomicReference<Exception>> failed = ThreadLocal.withInitial(AtomicReference::new);

        Producer(Properties streams) {
            Properties p = HangingTransactions.adminProperties(streams);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, streams.getProperty("client.id", "drivebus-reservation") + "-requests-log");
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(2 * 1024 * 1024)); // relayed statuses of 10,000 slots
            this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        }

        /** For a test of the commit order: appends go to the given producer. */
        Producer(org.apache.kafka.clients.producer.Producer<String, byte[]> producer) {
            this.producer = producer;
        }

        @Override
        public void append(String key, byte[] value, Headers headers, long timestamp) {
            AtomicReference<Exception> mine = failed.get();
            Callback onFailure = (RecordMetadata m, Exception e) -> {
                if (e != null) {
                    mine.compareAndSet(null, e);
                }
            };
            producer.send(new ProducerRecord<>(Topics.RESERVATION_REQUESTS, null, timestamp, key, value, headers), onFailure);
        }

        /**
         * Waits until every append so far is acknowledged; throws if one of this thread's failed, so the commit
         * fails, the transaction is aborted and the task resumes from its last commit, appending again.
         */
        void flush() {
            producer.flush();
            Exception e = failed.get().getAndSet(null);
            if (e != null) {
                throw new KafkaException("could not append to " + Topics.RESERVATION_REQUESTS + ": not committing", e);
            }
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Streams' clients, with every transaction commit preceded by a flush of the requests log. Streams has no
     * processor hook at commit; its producer is the one place every commit goes through.
     */
    final class FlushBeforeCommit implements KafkaClientSupplier {
        private final Producer log;

        FlushBeforeCommit(Producer log) {
            this.log = log;
        }

        @Override
        public org.apache.kafka.clients.admin.Admin getAdmin(Map<String, Object> config) {
            return org.apache.kafka.clients.admin.Admin.create(config);
        }

        @Override
        public org.apache.kafka.clients.producer.Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
            return new Flushing(new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()), log);
        }

        @Override
        public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
            return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        @Override
        public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
            return getConsumer(config);
        }

        @Override
        public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
            return getConsumer(config);
        }
    }

    /** Streams' producer, unchanged but for {@link #commitTransaction()}. */
    record Flushing(org.apache.kafka.clients.producer.Producer<byte[], byte[]> inner, Producer log)
            implements org.apache.kafka.clients.producer.Producer<byte[], byte[]> {

        @Override
        public void commitTransaction() {
            log.flush();
            inner.commitTransaction();
        }

        @Override
        public void initTransactions() {
            inner.initTransactions();
        }

        @Override
        public void beginTransaction() {
            inner.beginTransaction();
        }

        @Override
        public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
            inner.sendOffsetsToTransaction(offsets, group);
        }

        @Override
        public void abortTransaction() {
            inner.abortTransaction();
        }

        @Override
        public void registerMetricForSubscription(KafkaMetric metric) {
            inner.registerMetricForSubscription(metric);
        }

        @Override
        public void unregisterMetricFromSubscription(KafkaMetric metric) {
            inner.unregisterMetricFromSubscription(metric);
        }

        @Override
        public java.util.concurrent.Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
            return inner.send(record);
        }

        @Override
        public java.util.concurrent.Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            return inner.send(record, callback);
        }

        @Override
        public void flush() {
            inner.flush();
        }

        @Override
        public java.util.List<PartitionInfo> partitionsFor(String topic) {
            return inner.partitionsFor(topic);
        }

        @Override
        public Map<MetricName, ? extends Metric> metrics() {
            return inner.metrics();
        }

        @Override
        public Uuid clientInstanceId(Duration timeout) {
            return inner.clientInstanceId(timeout);
        }

        @Override
        public void close() {
            inner.close();
        }

        @Override
        public void close(Duration timeout) {
            inner.close(timeout);
        }
    }
}
