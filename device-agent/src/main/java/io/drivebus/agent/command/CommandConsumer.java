package io.drivebus.agent.command;

import io.drivebus.agent.AgentConfig;
import io.drivebus.agent.changer.Libraries;
import io.drivebus.agent.changer.Library;
import io.drivebus.agent.fencing.FencingStore;
import io.drivebus.agent.kafka.KafkaClients;
import io.drivebus.agent.status.StatusPublisher;
import io.drivebus.agent.status.StatusSequence;
import io.drivebus.schemas.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * The agent's one command thread. It first re-reads every library and resolves the motions a crash interrupted
 * ({@link CommandHandler#recover}), publishes those results and every library's status, then reads its host's own
 * topic, drivebus.device.commands.&lt;host&gt; (assigned, not subscribed: no rebalances; Kafka's ACLs keep other hosts
 * from reading it), handles one
 * record at a time and commits its offset after the handler returned. Any failure (Kafka unreachable, state not
 * writable) closes the consumer and starts again from the last committed offset after a pause.
 */
@ApplicationScoped
public class CommandConsumer {
    private static final Logger LOG = Logger.getLogger(CommandConsumer.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final long RETRY_PAUSE_MS = 2000;

    @Inject
    AgentConfig config;
    @Inject
    KafkaClients kafka;
    @Inject
    CommandHandler handler;
    @Inject
    StatusPublisher status;

    private volatile boolean stopping;
    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile List<TopicPartition> partitions = List.of();
    private String topic;
    private Thread thread;

    /**
     * The libraries and the durable stores are opened here, on the main thread, so a misconfigured library or an
     * unwritable state dir fails the start instead of a background thread retrying forever.
     */
    void start(@Observes StartupEvent ev, Libraries libraries, FencingStore fencing, CommandResultStore results,
            StatusSequence sequence, CommandExecutor executor) {
        topic = Topics.deviceCommands(config.host()); // refuses a host id that cannot name a topic
        if (config.principal().isPresent() && config.secret().isEmpty()) {
            throw new IllegalStateException("drivebus.agent.principal is set but drivebus.agent.secret is not");
        }
        LOG.infof("host %s: %d libraries %s, %d stored command results", config.host(), libraries.all().size(),
                libraries.all().stream().map(Library::id).toList(), results.size());
        thread = new Thread(this::run, "drivebus-agent-commands");
        thread.start();
    }

    void stop(@Observes ShutdownEvent ev) throws InterruptedException {
        stopping = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.join(15_000);
        }
    }

    /** True while the consumer is assigned its partition and polling. */
    public boolean running() {
        return running;
    }

    /** False only if the thread ended while the agent was not shutting down. */
    public boolean alive() {
        return thread == null || thread.isAlive() || stopping;
    }

    /** The partitions of this host's command topic being read (empty before the first assignment). */
    public List<TopicPartition> partitions() {
        return partitions;
    }

    private void run() {
        try {
            // before any command: re-read every library, resolve motions a crash interrupted
            handler.recover();
        } catch (RuntimeException e) {
            LOG.errorf(e, "recovery at start failed; the agent cannot go on safely");
            throw e;
        }
        while (!stopping) {
            try (KafkaConsumer<byte[], byte[]> c = kafka.newCommandConsumer()) {
                consumer = c;
                if (stopping) {
                    break;
                }
                List<TopicPartition> tps = partitions(c);
                c.assign(tps);
                tps.forEach(c::position); // resolve the start offsets now, before announcing that the agent is up
                partitions = tps;
                handler.publishRecovered();
                if (!status.announced()) {
                    status.publishAll();
                }
                running = true;
                LOG.infof("host %s: reading commands from %s (group %s)", config.host(), tps, kafka.groupId());
                while (!stopping) {
                    for (ConsumerRecord<byte[], byte[]> rec : c.poll(POLL)) {
                        handler.handle(rec);
                        c.commitSync(Map.of(new TopicPartition(rec.topic(), rec.partition()), new OffsetAndMetadata(rec.offset() + 1)));
                    }
                }
            } catch (WakeupException e) {
                if (!stopping) {
                    LOG.warn("command consumer woken up unexpectedly; restarting it");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                running = false;
                if (!stopping) {
                    LOG.errorf(e, "command consumer failed; restarting from the last committed offset in %d ms", RETRY_PAUSE_MS);
                    pause();
                }
            } finally {
                running = false;
                consumer = null;
            }
        }
        LOG.info("command consumer stopped");
    }

    /**
     * The partitions of this host's command topic (one, as created). The agent creates the topic if it is missing
     * (a dev broker); where it may not (Kubernetes declares it per host), it waits for it, saying so. No status is
     * published before: the reservation-service takes on only hosts whose command topic exists.
     */
    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> c) {
        boolean triedToCreate = false;
        while (true) {
            List<PartitionInfo> parts = c.partitionsFor(topic, Duration.ofSeconds(10));
            if (parts != null && !parts.isEmpty()) {
                return parts.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            }
            if (!triedToCreate) {
                triedToCreate = true;
                kafka.createCommandTopic(topic);
            } else {
                LOG.warnf("topic %s not found yet; waiting", topic);
                pause();
            }
            if (stopping) {
                throw new WakeupException();
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(RETRY_PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
