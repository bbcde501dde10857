package io.drivebus.stack.test;

import io.drivebus.stack.Postgres;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Testcontainers, where a Docker engine is reachable: the same real Kafka and PostgreSQL, in containers. Only touched
 * when {@link #engineReachable()} says so (set {@code DRIVEBUS_TESTCONTAINERS=false} to keep the processes), so
 * machines without an engine never load these classes. This project's CI machines have no engine: there the broker
 * process and zonky PostgreSQL run instead, and this path is not exercised by CI.
 */
final class Containers {
    static final String KAFKA_IMAGE = "apache/kafka:4.1.1";
    static final String POSTGRES_IMAGE = "postgres:17-alpine";

    static boolean engineReachable() {
        if ("false".equalsIgnoreCase(System.getenv("DRIVEBUS_TESTCONTAINERS"))) {
            return false;
        }
        String host = System.getenv("DOCKER_HOST");
        return host != null && !host.isBlank() || Files.exists(Path.of("/var/run/docker.sock"));
    }

    static String kafka() {
        KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE);
        kafka.start();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop, "kafka-container-stop"));
        return kafka.getBootstrapServers();
    }

    static Postgres postgres() {
        PostgreSQLContainer pg = new PostgreSQLContainer(POSTGRES_IMAGE);
        pg.start();
        Runtime.getRuntime().addShutdownHook(new Thread(pg::stop, "postgres-container-stop"));
        return Postgres.external("postgresql://" + pg.getUsername() + ":" + pg.getPassword() + "@" + pg.getHost() + ":"
                + pg.getMappedPort(5432) + "/" + pg.getDatabaseName());
    }

    private Containers() {
    }
}
