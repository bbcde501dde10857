package io.drivebus.stack.test;

import io.drivebus.stack.KafkaBroker;
import io.drivebus.stack.TopicSetup;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real Kafka broker for {@code @QuarkusTest}s, started once per test JVM and shared by every test class in it,
 * with drivebus' topics created: a container where a Docker engine is reachable, else the broker process.
 * {@code DRIVEBUS_KAFKA_BOOTSTRAP} points the tests at a broker of your own instead.
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    private static String bootstrap;

    public static synchronized String bootstrap() {
        if (bootstrap == null) {
            String external = System.getenv("DRIVEBUS_KAFKA_BOOTSTRAP");
            if (external != null && !external.isBlank()) {
                bootstrap = external;
            } else if (Containers.engineReachable()) {
                bootstrap = Containers.kafka();
            } else {
                try {
                    KafkaBroker broker = KafkaBroker.start(Files.createTempDirectory("drivebus-kafka"), 0);
                    Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "kafka-broker-stop"));
                    bootstrap = broker.bootstrap();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            TopicSetup.ensureTopics(bootstrap, 4);
        }
        return bootstrap;
    }

    @Override
    public Map<String, String> start() {
        return Map.of("kafka.bootstrap.servers", bootstrap());
    }

    @Override
    public void stop() {
        // shared by every test class of this JVM; stopped by the shutdown hook
    }

    static Path tmp(String prefix) throws java.io.IOException {
        return Files.createTempDirectory(prefix);
    }
}
