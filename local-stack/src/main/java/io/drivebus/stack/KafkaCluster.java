package io.drivebus.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Several real brokers and a KRaft controller of their own, each a child process on 127.0.0.1 (plaintext): the shape
 * a deployment runs, where a topic has three replicas, two in sync, and so a broker's restart leaves every partition a
 * leader. The single-broker stack cannot show that, and Kafka's coordinator treats a partition without a leader as
 * deleted (docs/known-issues.md). One controller, which the chaos harness kills as it does a broker; a deployment runs
 * three.
 */
public final class KafkaCluster implements AutoCloseable {
    private final KafkaBroker controller;
    private final List<KafkaBroker> brokers;

    private KafkaCluster(KafkaBroker controller, List<KafkaBroker> brokers) {
        this.controller = controller;
        this.brokers = brokers;
    }

    /** Starts a controller in {@code dir/controller} and {@code brokers} brokers in {@code dir/broker-<node>}, nodes 2 up. */
    public static KafkaCluster start(Path dir, int brokers) {
        if (brokers < 1) {
            throw new IllegalArgumentException("a cluster needs a broker: " + brokers);
        }
        KafkaBroker controller = KafkaBroker.startController(dir.resolve("controller"), Math.min(3, brokers));
        List<KafkaBroker> started = new ArrayList<>();
        try {
            for (int node = 2; node < brokers + 2; node++) {
                started.add(controller.join(dir.resolve("broker-" + node), node));
            }
            KafkaCluster cluster = new KafkaCluster(controller, Collections.unmodifiableList(started));
            cluster.awaitBrokers(brokers, Duration.ofSeconds(60));
            return cluster;
        } catch (RuntimeException e) {
            started.forEach(KafkaBroker::close);
            controller.close();
            throw e;
        }
    }

    public List<KafkaBroker> brokers() {
        return brokers;
    }

    public KafkaBroker controller() {
        return controller;
    }

    /** Every broker's address: clients find the rest from any one that is up. */
    public String bootstrap() {
        return String.join(",", brokers.stream().map(KafkaBroker::bootstrap).toList());
    }

    /**
     * Waits until every replica of every partition is in sync: after a broker's restart, before the next one may go
     * down, as a rolling restart waits (Strimzi's does). Otherwise a partition whose last in-sync replica goes down has
     * no leader.
     */
    public void awaitInSync(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String behind = "";
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                var names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS);
                Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
                behind = topics.values().stream()
                        .flatMap(t -> t.partitions().stream().filter(KafkaCluster::behind).map(p -> t.name() + "-" + p.partition()))
                        .findFirst().orElse("");
                if (behind.isEmpty()) {
                    return;
                }
                KafkaBroker.sleep(250);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("describing the cluster's topics failed", e);
        }
        throw new IllegalStateException("replicas still out of sync after " + timeout + ", e.g. " + behind);
    }

    private static boolean behind(TopicPartitionInfo p) {
        return p.leader() == null || p.leader().isEmpty() || p.isr().size() < p.replicas().size();
    }

    private void awaitBrokers(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                try {
                    if (admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() >= count) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // not registered yet
                }
                KafkaBroker.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("fewer than " + count + " brokers registered with the controller after " + timeout);
    }

    private Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return Admin.create(p);
    }

    /** The brokers first, so none is left without its controller. */
    @Override
    public void close() {
        for (KafkaBroker b : brokers) {
            try {
                b.close();
            } catch (RuntimeException e) {
                System.err.println("stopping broker " + b.dir() + ": " + e);
            }
        }
        controller.close();
    }
}
