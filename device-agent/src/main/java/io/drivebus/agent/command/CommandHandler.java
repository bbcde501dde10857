package io.drivebus.agent.command;

import io.drivebus.agent.AgentConfig;
import io.drivebus.agent.changer.Libraries;
import io.drivebus.agent.changer.Library;
import io.drivebus.agent.kafka.KafkaClients;
import io.drivebus.agent.status.StatusPublisher;
import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.InvalidMessageException;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.DeadLetters;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Handles one record of drivebus.device.commands, start to end: decode, de-duplicate by command id, check the
 * library, run it through the {@link CommandExecutor} (fencing, in-flight journal, driver, stored result), publish
 * its result, publish the library's new status. Returns only when every output is acknowledged by Kafka, so the
 * caller may then commit the record's offset; if it throws, nothing is committed and the record is handled again (the stored
 * result and the fencing store make that harmless).
 */
@ApplicationScoped
public class CommandHandler {
    private static final Logger LOG = Logger.getLogger(CommandHandler.class);
    static final long SEND_TIMEOUT_SECONDS = 30;

    @Inject
    AgentConfig config;
    @Inject
    Libraries libraries;
    @Inject
    CommandExecutor executor;
    @Inject
    StatusPublisher status;
    @Inject
    KafkaClients kafka;
    @Inject
    MeterRegistry metrics;
    @Inject
    CommandSigner signer;

    /** Results of motions a crash interrupted, resolved at start, not yet published. */
    private final List<CommandExecutor.Outcome> recovered = new ArrayList<>();

    @PostConstruct
    void init() {
        // a drive turns busy as its motion starts: say so at once (a real load takes minutes)
        executor.setListener((lib, drive) -> status.publish(lib).whenComplete((md, e) -> {
            if (e != null) {
                LOG.warnf("busy status of library %s not sent: %s", lib.id(), e.toString());
            }
        }));
    }

    /** Re-reads every library and resolves interrupted motions (no Kafka needed); results are published later. */
    public synchronized void recover() {
        List<CommandExecutor.Outcome> out = executor.recover();
        recovered.addAll(out);
        out.forEach(o -> metrics.counter("drivebus.agent.commands.recovered", "outcome", o.result().outcome().name()).increment());
    }

    /** Publishes the recovered results (once acknowledged they are not sent again; a redelivery replays them anyway). */
    public synchronized void publishRecovered() throws Exception {
        while (!recovered.isEmpty()) {
            CommandExecutor.Outcome o = recovered.get(0);
            await(kafka.send(KafkaClients.record(Topics.DEVICE_EVENTS, o.result().library(), o.encoded())));
            recovered.remove(0);
        }
    }

    public void handle(ConsumerRecord<byte[], byte[]> rec) throws Exception {
        String host = config.host();
        Optional<String> unauthenticated = signer.check(rec);
        if (unauthenticated.isPresent()) {
            deadLetter(rec, "unauthenticated command: " + unauthenticated.get());
            return;
        }
        String key = rec.key() == null ? null : new String(rec.key(), StandardCharsets.UTF_8);
        if (!host.equals(key)) {
            deadLetter(rec, "command keyed '" + key + "' on the topic of host '" + host + "'");
            return;
        }
        Envelope<DeviceCommand> env;
        try {
            env = MessageCodec.get().decode(rec.value(), DeviceCommand.class);
        } catch (InvalidMessageException e) {
            deadLetter(rec, e.getMessage());
            return;
        }
        DeviceCommand cmd = env.payload();
        if (!host.equals(cmd.host())) {
            deadLetter(rec, "command for host '" + cmd.host() + "' was keyed '" + key + "'");
            return;
        }
        Optional<byte[]> stored = executor.stored(env.id());
        if (stored.isPresent()) {
            // redelivered: the robot already did this; say again what became of it
            LOG.infof("command %s (%s) already handled; republishing its result", env.id(), cmd.action());
            metrics.counter("drivebus.agent.commands.replayed").increment();
            await(kafka.send(KafkaClients.record(Topics.DEVICE_EVENTS, cmd.library(), stored.get())));
            return;
        }
        Library lib = libraries.get(cmd.library());
        if (lib == null) {
            String reason = "library '" + cmd.library() + "' is not served by host '" + host + "'";
            deadLetter(rec, reason);
            finish(env, executor.refuse(env, DrivebusError.fatal(ErrorReason.notfound, reason)), null);
            return;
        }
        lib.lock();
        try {
            CommandExecutor.Outcome out = executor.execute(lib, env);
            finish(env, out, out.result().outcome() == CommandOutcome.refused ? null : lib);
        } finally {
            lib.unlock();
        }
    }

    /** The result is already stored (durably): a redelivery after a crash republishes, never re-runs. */
    private void finish(Envelope<DeviceCommand> env, CommandExecutor.Outcome out, Library changed) throws Exception {
        DeviceCommandResult result = out.result();
        metrics.counter("drivebus.agent.commands", "outcome", result.outcome().name(), "action", result.action().name()).increment();
        LOG.infof("command %s %s library=%s drive=%s token=%d slot=%s -> %s%s", env.id(), result.action(), result.library(),
                result.drive(), result.token(), env.payload().slot(), result.outcome(),
                result.error() == null ? "" : " (" + result.error() + ")");
        await(kafka.send(KafkaClients.record(Topics.DEVICE_EVENTS, result.library(), out.encoded())));
        if (changed != null) {
            await(status.publish(changed));
        }
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> rec, String reason) throws Exception {
        LOG.warnf("dead-lettering %s-%d@%d: %s", rec.topic(), rec.partition(), rec.offset(), abbreviate(reason, 500));
        metrics.counter("drivebus.agent.commands.deadlettered").increment();
        await(kafka.send(deadLetterRecord(rec, reason, kafka.groupId())));
    }

    /** The dead-letter copy ({@link DeadLetters}: a record at the broker's size limit keeps only its start). */
    static ProducerRecord<byte[], byte[]> deadLetterRecord(ConsumerRecord<byte[], byte[]> rec, String reason, String consumer) {
        int keyBytes = DeadLetters.size(rec.key());
        int valueBytes = DeadLetters.size(rec.value());
        boolean truncate = DeadLetters.tooLarge(keyBytes, valueBytes);
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(Topics.dlq(rec.topic()),
                truncate ? DeadLetters.keptKey(rec.key()) : rec.key(), truncate ? DeadLetters.keptValue(rec.value()) : rec.value());
        DeadLetters.addReason(out.headers(), reason, rec.topic(), consumer);
        if (truncate) {
            DeadLetters.addTruncated(out.headers(), keyBytes, valueBytes);
        }
        return out;
    }

    private static String abbreviate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max) + "…(" + s.length() + " chars)";
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
