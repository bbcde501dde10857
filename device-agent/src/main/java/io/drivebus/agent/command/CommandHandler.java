package io.drivebus.agent.command;

import io.drivebus.agent.AgentConfig;
import io.drivebus.agent.changer.DriverException;
import io.drivebus.agent.changer.Libraries;
import io.drivebus.agent.changer.Library;
import io.drivebus.agent.changer.LibraryDriver;
import io.drivebus.agent.changer.LibraryInventory;
import io.drivebus.agent.changer.Volume;
import io.drivebus.agent.fencing.FencingStore;
import io.drivebus.agent.kafka.KafkaClients;
import io.drivebus.agent.status.StatusPublisher;
import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorKind;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.InvalidMessageException;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Handles one record of drivebus.device.commands, start to end: decode, de-duplicate by command id, check the
 * library, the drive and the fencing token, run the command on the driver, store and publish its result, publish
 * the library's new status. Returns only when every output is acknowledged by Kafka, so the caller may then
 * commit the record's offset; if it throws, nothing is committed and the record is handled again (the stored
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
    FencingStore fencing;
    @Inject
    CommandResultStore results;
    @Inject
    StatusPublisher status;
    @Inject
    KafkaClients kafka;
    @Inject
    MeterRegistry metrics;

    public void handle(ConsumerRecord<byte[], byte[]> rec) throws Exception {
        String host = config.host();
        String key = rec.key() == null ? null : new String(rec.key(), StandardCharsets.UTF_8);
        if (!host.equals(key)) {
            return; // another host whose key shares our partition
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
        Optional<byte[]> stored = results.get(env.id());
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
            finish(env, refused(env, DrivebusError.fatal(ErrorReason.notfound, reason)), null);
            return;
        }
        lib.lock();
        try {
            DeviceCommandResult result = execute(lib, env);
            finish(env, result, result.outcome() == CommandOutcome.refused ? null : lib);
        } finally {
            lib.unlock();
        }
    }

    private DeviceCommandResult execute(Library lib, Envelope<DeviceCommand> env) {
        DeviceCommand cmd = env.payload();
        LibraryDriver driver = lib.driver();
        String drive = cmd.drive();
        if (drive == null && cmd.action() != DeviceAction.scan) {
            return refused(env, DrivebusError.fatal(ErrorReason.invalid, cmd.action() + " needs a drive"));
        }
        if (drive != null && !driver.driveIds().contains(drive)) {
            return refused(env, DrivebusError.fatal(ErrorReason.notfound,
                    "library " + lib.id() + " has no drive '" + drive + "'"));
        }
        if (drive != null) {
            // persisted before the robot moves: after a crash, anything older is still refused
            FencingStore.Decision d = fencing.admit(lib.id(), drive, cmd.token());
            if (!d.admitted()) {
                return refused(env, DrivebusError.fatal(ErrorReason.invalid, "stale fencing token " + cmd.token()
                        + " for drive " + drive + " of library " + lib.id() + " (highest seen " + d.highest() + ")"));
            }
        }
        try {
            switch (cmd.action()) {
                case load -> {
                    if (cmd.slot() == null) {
                        return failed(env, ErrorReason.invalid, "load needs a slot");
                    }
                    Volume v = driver.load(drive, cmd.slot());
                    if (cmd.expectedLabel() != null && !cmd.expectedLabel().equals(v.label())) {
                        // the wrong volume must not stay in a drive someone will write to
                        driver.unload(drive, cmd.slot());
                        return result(env, CommandOutcome.failed, DrivebusError.fatal(ErrorReason.invalid, "slot " + cmd.slot()
                                + " holds volume '" + v.label() + "', expected '" + cmd.expectedLabel() + "'; put back"),
                                cmd.slot(), v.label(), v.barcode());
                    }
                    return result(env, CommandOutcome.done, null, cmd.slot(), v.label(), v.barcode());
                }
                case unload -> {
                    Volume v = loadedVolume(driver, drive);
                    int slot = driver.unload(drive, cmd.toSlot());
                    return result(env, CommandOutcome.done, null, slot, v == null ? null : v.label(), v == null ? null : v.barcode());
                }
                case read_label -> {
                    Volume v = driver.readLabel(drive);
                    return result(env, CommandOutcome.done, null, driver.sourceSlot(drive), v.label(), v.barcode());
                }
                case scan -> {
                    driver.scan();
                    return result(env, CommandOutcome.done, null, null, null, null);
                }
                case eject -> {
                    driver.eject(drive);
                    return result(env, CommandOutcome.done, null, null, null, null);
                }
                case label -> {
                    if (cmd.newLabel() == null) {
                        return failed(env, ErrorReason.invalid, "label needs newLabel");
                    }
                    Volume v = driver.writeLabel(drive, cmd.newLabel(), Boolean.TRUE.equals(cmd.force()));
                    return result(env, CommandOutcome.done, null, driver.sourceSlot(drive), v.label(), v.barcode());
                }
                default -> {
                    return failed(env, ErrorReason.notimpl, cmd.action() + " is not implemented by this agent");
                }
            }
        } catch (DriverException e) {
            return failed(env, e.reason(), e.getMessage());
        }
    }

    /** Stores the result (durably) before publishing it: a redelivery after a crash republishes, never re-runs. */
    private void finish(Envelope<DeviceCommand> env, DeviceCommandResult result, Library changed) throws Exception {
        byte[] encoded = MessageCodec.get().encode(Envelope.of(status.source(), env.id(), result));
        results.put(env.id(), encoded);
        metrics.counter("drivebus.agent.commands", "outcome", result.outcome().name(), "action", result.action().name()).increment();
        LOG.infof("command %s %s library=%s drive=%s token=%d slot=%s -> %s%s", env.id(), result.action(), result.library(),
                result.drive(), result.token(), env.payload().slot(), result.outcome(),
                result.error() == null ? "" : " (" + result.error() + ")");
        await(kafka.send(KafkaClients.record(Topics.DEVICE_EVENTS, result.library(), encoded)));
        if (changed != null) {
            await(status.publish(changed));
        }
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> rec, String reason) throws Exception {
        LOG.warnf("dead-lettering %s-%d@%d: %s", rec.topic(), rec.partition(), rec.offset(), reason);
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(Topics.dlq(rec.topic()), rec.key(), rec.value());
        out.headers().add(Topics.DLQ_REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        out.headers().add(Topics.DLQ_SOURCE_TOPIC_HEADER, rec.topic().getBytes(StandardCharsets.UTF_8));
        out.headers().add(Topics.DLQ_CONSUMER_HEADER, kafka.groupId().getBytes(StandardCharsets.UTF_8));
        metrics.counter("drivebus.agent.commands.deadlettered").increment();
        await(kafka.send(out));
    }

    private static Volume loadedVolume(LibraryDriver driver, String drive) throws DriverException {
        for (LibraryInventory.Drive d : driver.status().drives()) {
            if (d.id().equals(drive)) {
                return d.volume();
            }
        }
        return null;
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private DeviceCommandResult refused(Envelope<DeviceCommand> env, DrivebusError error) {
        DeviceCommand cmd = env.payload();
        return result(env, CommandOutcome.refused, error, cmd.slot(), cmd.expectedLabel(), null);
    }

    /** Retrying cannot fix a wrong request or a missing feature; it may fix a device error or an empty slot. */
    private DeviceCommandResult failed(Envelope<DeviceCommand> env, ErrorReason reason, String message) {
        DeviceCommand cmd = env.payload();
        ErrorKind kind = switch (reason) {
            case device, empty, unknown, driveinuse, volinuse -> ErrorKind.failed;
            default -> ErrorKind.fatal;
        };
        return result(env, CommandOutcome.failed, new DrivebusError(kind, reason, message, null, null, null, null),
                cmd.slot(), cmd.expectedLabel(), null);
    }

    private DeviceCommandResult result(Envelope<DeviceCommand> env, CommandOutcome outcome, DrivebusError error,
            Integer slot, String label, String barcode) {
        DeviceCommand cmd = env.payload();
        return new DeviceCommandResult(cmd.library(), env.id(), config.host(), cmd.drive(), cmd.action(),
                cmd.token(), outcome, error, slot, label, barcode, cmd.reservationId());
    }
}
