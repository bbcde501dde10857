package io.drivebus.stack;

import io.drivebus.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates drivebus' topics as DESIGN.md implies: the library-keyed topics share one partition count (so one
 * reservation-service task sees all of a library's records in order), device status is compacted, and every
 * topic has a dead-letter topic. Replicated as the broker's default says (one broker: 1; a {@link KafkaCluster}: 3).
 */
public final class TopicSetup {
    /**
     * The requests topic is each library's one input log: the broker stamps its records (the reservation-service's
     * decisions take their time from them, not from the producer's clock), and it takes the relayed statuses of
     * the largest libraries (about 0.8 MB for 10,000 slots) with their headers.
     */
    public static final Map<String, String> REQUESTS_CONFIG = Map.of("message.timestamp.type", "LogAppendTime",
            "max.message.bytes", String.valueOf(2 * 1024 * 1024));

    private static final Optional<Short> BROKER_DEFAULT = Optional.empty();

    public static void ensureTopics(String bootstrap, int partitions) {
        ensureTopics(bootstrap, partitions, Map.of());
    }

    /**
     * {@code clientProperties}: security settings for the admin client, if the broker needs them; {@code hosts}: agent
     * hosts whose command topics to create too (for tests that play the agent).
     */
    public static void ensureTopics(String bootstrap, int partitions, Map<String, String> clientProperties, String... hosts) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> topics = new ArrayList<>();
            for (String t : Topics.ALL) {
                NewTopic nt = new NewTopic(t, Optional.of(partitions), BROKER_DEFAULT);
                if (t.equals(Topics.DEVICE_STATUS)) {
                    nt.configs(Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "60000"));
                } else if (t.equals(Topics.RESERVATION_REQUESTS)) {
                    nt.configs(REQUESTS_CONFIG);
                }
                topics.add(nt);
                topics.add(new NewTopic(Topics.dlq(t), Optional.of(1), BROKER_DEFAULT));
            }
            // the hosts' command topics are each agent's to create (or declared per host in k8s); their dead letters are shared
            topics.add(new NewTopic(Topics.dlq(Topics.DEVICE_COMMANDS), Optional.of(1), BROKER_DEFAULT));
            for (String host : hosts) {
                topics.add(new NewTopic(Topics.deviceCommands(host), Optional.of(1), BROKER_DEFAULT));
            }
            topics.removeIf(t -> existing.contains(t.name()));
            if (existing.contains(Topics.RESERVATION_REQUESTS)) {
                // a stack created before the requests topic took the broker's time: bring it in line
                ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, Topics.RESERVATION_REQUESTS);
                admin.incrementalAlterConfigs(Map.of(r, REQUESTS_CONFIG.entrySet().stream()
                        .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET)).toList()))
                        .all().get(30, TimeUnit.SECONDS);
            }
            if (!topics.isEmpty()) {
                try {
                    admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("creating topics on " + bootstrap + " failed", e);
        }
    }

    private TopicSetup() {
    }
}
