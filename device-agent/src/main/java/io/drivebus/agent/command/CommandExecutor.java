package io.drivebus.agent.command;

import io.drivebus.agent.changer.DriverException;
import io.drivebus.agent.changer.Libraries;
import io.drivebus.agent.changer.Library;
import io.drivebus.agent.changer.LibraryDriver;
import io.drivebus.agent.changer.LibraryInventory;
import io.drivebus.agent.changer.Volume;
import io.drivebus.agent.fencing.FencingStore;
import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorKind;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The agent's command pipeline without Kafka: fencing, the in-flight journal, the driver, the durable result.
 * {@link CommandHandler} feeds it from drivebus.device.commands and publishes what it returns; tests and the
 * crash test's child process drive it directly.
 *
 * <p>Order for a motion: fencing token persisted → in-flight entry written → robot moves → result stored → entry
 * removed. A crash anywhere leaves either a stored result (a redelivery republishes it) or an entry that
 * {@link #recover} resolves against what the library really holds.
 */
public final class CommandExecutor {
    private static final Logger LOG = Logger.getLogger(CommandExecutor.class);
    static final String INTERRUPTED = "interrupted by agent restart";
    private static final Set<DeviceAction> MOTIONS = Set.of(DeviceAction.load, DeviceAction.unload, DeviceAction.eject,
            DeviceAction.transfer, DeviceAction.label);

    /** Told just before the robot moves (the drive is then busy), e.g. to publish a status. */
    public interface MotionListener {
        void motionStarting(Library library, String drive);
    }

    /** A result and its stored envelope (what is published). */
    public record Outcome(DeviceCommandResult result, byte[] encoded) {
    }

    private final String host;
    private final String source;
    private final Libraries libraries;
    private final FencingStore fencing;
    private final CommandResultStore results;
    private final MotionJournal journal;
    private volatile MotionListener listener = (lib, drive) -> {
    };

    public CommandExecutor(String host, Libraries libraries, FencingStore fencing, CommandResultStore results,
            MotionJournal journal) {
        this.host = host;
        this.source = "device-agent/" + host;
        this.libraries = libraries;
        this.fencing = fencing;
        this.results = results;
        this.journal = journal;
    }

    public void setListener(MotionListener listener) {
        this.listener = listener;
    }

    public String source() {
        return source;
    }

    /** The stored result envelope of a command already answered. */
    public Optional<byte[]> stored(String commandId) {
        return results.get(commandId);
    }

    /** Answers a command without running it (e.g. a library this host does not serve); stored like any result. */
    public Outcome refuse(Envelope<DeviceCommand> env, DrivebusError error) {
        DeviceCommand cmd = env.payload();
        return store(env, result(env, CommandOutcome.refused, error, cmd.slot(), cmd.expectedLabel(), null));
    }

    /**
     * Runs the command on its library (the library's lock is taken here, and may already be held by the caller)
     * and stores its result. A command id already answered is not run again: its stored result is returned.
     */
    public Outcome execute(Library lib, Envelope<DeviceCommand> env) {
        Optional<byte[]> stored = results.get(env.id());
        if (stored.isPresent()) {
            DeviceCommandResult r = (DeviceCommandResult) MessageCodec.get().decode(stored.get()).payload();
            return new Outcome(r, stored.get());
        }
        lib.lock();
        try {
            return store(env, run(lib, env));
        } finally {
            lib.unlock();
        }
    }

    private DeviceCommandResult run(Library lib, Envelope<DeviceCommand> env) {
        DeviceCommand cmd = env.payload();
        LibraryDriver driver = lib.driver();
        String drive = cmd.drive();
        if (cmd.action() == null) {
            return refused(env, DrivebusError.fatal(ErrorReason.invalid, "command without action"));
        }
        if (drive == null && cmd.action() != DeviceAction.scan && cmd.action() != DeviceAction.transfer) {
            return refused(env, DrivebusError.fatal(ErrorReason.invalid, cmd.action() + " needs a drive"));
        }
        if (drive != null && !driver.driveIds().contains(drive)) {
            return refused(env, DrivebusError.fatal(ErrorReason.notfound, "library " + lib.id() + " has no drive '" + drive + "'"));
        }
        if (drive != null) {
            // persisted before the robot moves: after a crash, anything older is still refused
            FencingStore.Decision d = fencing.admit(lib.id(), drive, cmd.token());
            if (!d.admitted()) {
                return refused(env, DrivebusError.fatal(ErrorReason.invalid, "stale fencing token " + cmd.token()
                        + " for drive " + drive + " of library " + lib.id() + " (highest seen " + d.highest() + ")"));
            }
        }
        String invalid = invalidArguments(cmd);
        if (invalid != null) {
            return failed(env, ErrorReason.invalid, invalid);
        }
        boolean motion = MOTIONS.contains(cmd.action());
        if (motion) {
            journal.begin(env.id(), MessageCodec.get().encode(env), before(driver, cmd));
            lib.beginMotion(drive);
            try {
                listener.motionStarting(lib, drive);
            } catch (RuntimeException e) {
                LOG.warnf("motion listener failed: %s", e.toString());
            }
        }
        try {
            DeviceCommandResult r = perform(lib, env);
            if (drive != null) {
                lib.clearError(drive);
            }
            return r;
        } catch (DriverException e) {
            if (drive != null && e.driveFault()) {
                lib.markError(drive, e.getMessage());
            }
            return failed(env, e.reason(), e.getMessage());
        } finally {
            if (motion) {
                lib.endMotion(drive);
            }
        }
    }

    private static String invalidArguments(DeviceCommand cmd) {
        return switch (cmd.action()) {
            case load -> cmd.slot() == null ? "load needs a slot" : null;
            case label -> cmd.newLabel() == null ? "label needs newLabel" : null;
            case transfer -> cmd.slot() == null || cmd.toSlot() == null ? "transfer needs slot and toSlot" : null;
            default -> null;
        };
    }

    private DeviceCommandResult perform(Library lib, Envelope<DeviceCommand> env) throws DriverException {
        DeviceCommand cmd = env.payload();
        LibraryDriver driver = lib.driver();
        String drive = cmd.drive();
        switch (cmd.action()) {
            case load -> {
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
            case unload, eject -> {
                Volume v = driveVolume(driver.status(), drive);
                int slot = cmd.action() == DeviceAction.eject ? driver.eject(drive, cmd.toSlot()) : driver.unload(drive, cmd.toSlot());
                return result(env, CommandOutcome.done, null, slot, v == null ? null : v.label(), v == null ? null : v.barcode());
            }
            case read_label -> {
                Volume v = driver.readLabel(drive);
                return result(env, CommandOutcome.done, null, driver.sourceSlot(drive), v.label(), v.barcode());
            }
            case label -> {
                Volume v = driver.writeLabel(drive, cmd.newLabel(), Boolean.TRUE.equals(cmd.force()));
                return result(env, CommandOutcome.done, null, driver.sourceSlot(drive), v.label(), v.barcode());
            }
            case transfer -> {
                Volume v = driver.transfer(cmd.slot(), cmd.toSlot());
                return result(env, CommandOutcome.done, null, cmd.toSlot(), v.label(), v.barcode());
            }
            case scan -> {
                driver.scan();
                lib.clearErrors(); // a scan is how an operator says "look again"
                return result(env, CommandOutcome.done, null, null, null, null);
            }
            default -> {
                return failed(env, ErrorReason.notimpl, cmd.action() + " is not implemented by this agent");
            }
        }
    }

    /** Stores the result (durably), then closes the command's in-flight entry. */
    private Outcome store(Envelope<DeviceCommand> env, DeviceCommandResult result) {
        byte[] encoded = MessageCodec.get().encode(Envelope.of(source, env.id(), result));
        results.put(env.id(), encoded);
        journal.end(env.id());
        return new Outcome(result, encoded);
    }

    // --- crash recovery

    /**
     * At start, before any command: re-reads every library, then resolves every motion a crash interrupted. For
     * each in-flight entry without a stored result, the library's real state decides: the motion completed →
     * {@code done}; it did not → {@code failed} (device, "interrupted by agent restart"), with a wrongly loaded
     * volume put back. Returns the results (stored) to publish; a pending motion is never left hanging.
     */
    public List<Outcome> recover() {
        for (Library lib : libraries.all()) {
            lib.lock();
            try {
                lib.rememberInventory(lib.driver().scan());
            } catch (DriverException e) {
                LOG.errorf("library %s cannot be read at start: %s", lib.id(), e.getMessage());
            } finally {
                lib.unlock();
            }
        }
        List<Outcome> out = new ArrayList<>();
        for (MotionJournal.Entry entry : journal.pending()) {
            if (results.get(entry.commandId()).isPresent()) {
                journal.end(entry.commandId()); // crashed between storing the result and closing the entry
                continue;
            }
            Envelope<DeviceCommand> env;
            try {
                env = MessageCodec.get().decode(entry.command(), DeviceCommand.class);
            } catch (RuntimeException e) {
                LOG.errorf("in-flight entry %s cannot be decoded (%s); dropped", entry.commandId(), e.getMessage());
                journal.end(entry.commandId());
                continue;
            }
            Library lib = libraries.get(env.payload().library());
            DeviceCommandResult r;
            if (lib == null) {
                r = failed(env, ErrorReason.device, INTERRUPTED + "; library " + env.payload().library() + " is no longer served here");
            } else {
                lib.lock();
                try {
                    r = resolve(lib, env, entry.before());
                } finally {
                    lib.unlock();
                }
            }
            LOG.warnf("command %s (%s) was interrupted by a restart: resolved %s%s", env.id(), env.payload().action(),
                    r.outcome(), r.error() == null ? "" : " (" + r.error().message() + ")");
            out.add(store(env, r));
        }
        return out;
    }

    private DeviceCommandResult resolve(Library lib, Envelope<DeviceCommand> env, Map<String, String> before) {
        DeviceCommand cmd = env.payload();
        LibraryDriver driver = lib.driver();
        String drive = cmd.drive();
        LibraryInventory inv;
        try {
            inv = driver.scan();
        } catch (DriverException e) {
            return failed(env, ErrorReason.device, INTERRUPTED + "; the library cannot be read: " + e.getMessage());
        }
        LibraryInventory.Drive d = drive == null ? null : inv.drives().stream().filter(x -> x.id().equals(drive)).findFirst().orElse(null);
        try {
            switch (cmd.action()) {
                case load -> {
                    boolean holds = d != null && d.volume() != null && (Objects.equals(d.sourceSlot(), cmd.slot())
                            || before.get("slot.barcode") != null && before.get("slot.barcode").equals(d.volume().barcode()));
                    if (!holds) {
                        return failed(env, ErrorReason.device, INTERRUPTED + ": slot " + cmd.slot() + " did not reach drive "
                                + drive + " (drive now " + describe(d) + ", slot now " + describeSlot(inv, cmd.slot()) + ")");
                    }
                    Volume v;
                    try {
                        v = driver.readLabel(drive);
                    } catch (DriverException e) {
                        v = d.volume();
                    }
                    if (cmd.expectedLabel() != null && !cmd.expectedLabel().equals(v.label())) {
                        Integer back = d.sourceSlot() != null ? d.sourceSlot() : cmd.slot();
                        driver.unload(drive, back);
                        return result(env, CommandOutcome.failed, DrivebusError.fatal(ErrorReason.invalid, "slot " + cmd.slot()
                                + " holds volume '" + v.label() + "', expected '" + cmd.expectedLabel() + "'; put back"),
                                cmd.slot(), v.label(), v.barcode());
                    }
                    return result(env, CommandOutcome.done, null, cmd.slot(), v.label(), v.barcode());
                }
                case unload, eject -> {
                    Integer target = cmd.toSlot() != null ? cmd.toSlot() : intOrNull(before.get("drive.source"));
                    LibraryInventory.Slot s = slot(inv, target);
                    String barcode = before.get("drive.barcode");
                    boolean moved = d != null && d.volume() == null && s != null && s.volume() != null
                            && (barcode == null || barcode.equals(s.volume().barcode()));
                    if (moved) {
                        return result(env, CommandOutcome.done, null, target, before.get("drive.label"), barcode);
                    }
                    return failed(env, ErrorReason.device, INTERRUPTED + ": drive " + drive + " was not unloaded"
                            + (target == null ? "" : " to slot " + target) + " (drive now " + describe(d) + ")");
                }
                case transfer -> {
                    LibraryInventory.Slot from = slot(inv, cmd.slot());
                    LibraryInventory.Slot to = slot(inv, cmd.toSlot());
                    String barcode = before.get("slot.barcode");
                    if (from != null && from.volume() == null && to != null && to.volume() != null
                            && (barcode == null || barcode.equals(to.volume().barcode()))) {
                        return result(env, CommandOutcome.done, null, cmd.toSlot(), to.volume().label(), to.volume().barcode());
                    }
                    return failed(env, ErrorReason.device, INTERRUPTED + ": slot " + cmd.slot() + " was not moved to slot " + cmd.toSlot());
                }
                case label -> {
                    Volume v = driver.readLabel(drive);
                    if (cmd.newLabel().equals(v.label())) {
                        return result(env, CommandOutcome.done, null, driver.sourceSlot(drive), v.label(), v.barcode());
                    }
                    return failed(env, ErrorReason.device, INTERRUPTED + ": the volume in drive " + drive + " is labelled '" + v.label() + "'");
                }
                default -> {
                    return failed(env, ErrorReason.device, INTERRUPTED);
                }
            }
        } catch (DriverException e) {
            return failed(env, ErrorReason.device, INTERRUPTED + "; " + e.getMessage());
        }
    }

    /** What the library shows, before a motion, for the drive and slots the command touches. */
    private static Map<String, String> before(LibraryDriver driver, DeviceCommand cmd) {
        Map<String, String> m = new HashMap<>();
        try {
            LibraryInventory inv = driver.status();
            if (cmd.drive() != null) {
                inv.drives().stream().filter(x -> x.id().equals(cmd.drive())).findFirst().ifPresent(d -> {
                    if (d.volume() != null) {
                        m.put("drive.label", d.volume().label());
                        m.put("drive.barcode", d.volume().barcode());
                    }
                    if (d.sourceSlot() != null) {
                        m.put("drive.source", d.sourceSlot().toString());
                    }
                });
            }
            LibraryInventory.Slot s = slot(inv, cmd.slot());
            if (s != null && s.volume() != null) {
                m.put("slot.label", s.volume().label());
                m.put("slot.barcode", s.volume().barcode());
            }
        } catch (DriverException e) {
            m.put("status.error", e.getMessage());
        }
        return m;
    }

    private static Volume driveVolume(LibraryInventory inv, String drive) {
        return inv.drives().stream().filter(d -> d.id().equals(drive)).map(LibraryInventory.Drive::volume)
                .filter(Objects::nonNull).findFirst().orElse(null);
    }

    private static LibraryInventory.Slot slot(LibraryInventory inv, Integer slot) {
        return slot == null ? null : inv.slots().stream().filter(s -> s.slot() == slot).findFirst().orElse(null);
    }

    private static String describe(LibraryInventory.Drive d) {
        if (d == null) {
            return "unknown";
        }
        return d.volume() == null ? "empty" : "holding " + volumeText(d.volume()) + (d.sourceSlot() == null ? "" : " from slot " + d.sourceSlot());
    }

    private static String describeSlot(LibraryInventory inv, Integer slot) {
        LibraryInventory.Slot s = slot(inv, slot);
        return s == null ? "unknown" : s.volume() == null ? "empty" : "holding " + volumeText(s.volume());
    }

    private static String volumeText(Volume v) {
        return v.label() != null ? v.label() : v.barcode() != null ? v.barcode() : "an unlabelled volume";
    }

    private static Integer intOrNull(String s) {
        try {
            return s == null ? null : Integer.valueOf(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // --- results

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
        return new DeviceCommandResult(cmd.library(), env.id(), host, cmd.drive(), cmd.action(),
                cmd.token(), outcome, error, slot, label, barcode, cmd.reservationId());
    }
}
