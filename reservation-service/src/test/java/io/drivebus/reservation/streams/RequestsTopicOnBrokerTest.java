package io.drivebus.reservation.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.Topics;
import io.drivebus.stack.KafkaBroker;
import io.drivebus.stack.TopicSetup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A requests topic created before it took the broker's time (a stack from an older release) is refused by the
 * service's start-up check, and converted by the stack's topic set-up; on a broker of its own, as the topic's
 * configuration is the point.
 */
class RequestsTopicOnBrokerTest {

    @Test
    void aTopicOnProducersTimeIsRefusedUntilTheSetUpConvertsIt(@TempDir Path dir) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dir, 0);
                Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(Topics.RESERVATION_REQUESTS, 1, (short) 1)
                    .configs(Map.of(RequestsTopicCheck.TIMESTAMP_TYPE, "CreateTime")))).all().get(30, TimeUnit.SECONDS);

            String problem = RequestsTopicCheck.problem(admin);
            assertNotNull(problem, "a CreateTime requests topic passed the start-up check");
            assertTrue(problem.contains("CreateTime"), problem);

            TopicSetup.ensureTopics(broker.bootstrap(), 1);
            assertNull(RequestsTopicCheck.problem(admin));

            // a producer's timestamp (here: 1970) is now replaced by the broker's
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.<String, Object>of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()), new StringSerializer(), new StringSerializer());
                    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.<String, Object>of(
                            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()), new StringDeserializer(), new StringDeserializer())) {
                long before = System.currentTimeMillis();
                producer.send(new ProducerRecord<>(Topics.RESERVATION_REQUESTS, 0, 1L, "lib", "x")).get(30, TimeUnit.SECONDS);
                TopicPartition tp = new TopicPartition(Topics.RESERVATION_REQUESTS, 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                ConsumerRecord<String, String> read = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (read == null && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        read = r;
                    }
                }
                assertNotNull(read);
                assertEquals(TimestampType.LOG_APPEND_TIME, read.timestampType());
                assertTrue(read.timestamp() >= before - 1000, "timestamp " + read.timestamp());
            }
        }
    }
}
