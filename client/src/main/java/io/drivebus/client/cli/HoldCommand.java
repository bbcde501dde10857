package io.drivebus.client.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drivebus.client.DrivebusClient;
import io.drivebus.client.DrivebusException;
import io.drivebus.client.Lease;
import io.drivebus.client.Reservation;
import io.drivebus.client.Reserve;
import io.drivebus.schemas.Owner;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * How a backup script uses a drive: reserve, run the command while the lease is renewed, release when it exits -
 * also when it is killed, and when drivebus itself is told to stop (the command is stopped first).
 */
@Command(name = "hold",
        description = {"Reserve a drive with a volume, run COMMAND while the lease is renewed in the background, release "
                + "the reservation when COMMAND exits (also when it is killed), and exit with its exit code.",
                "COMMAND sees the reservation in its environment: DRIVEBUS_DEVICE (device path), DRIVEBUS_DRIVE, "
                        + "DRIVEBUS_VOLUME (label), DRIVEBUS_SLOT, DRIVEBUS_TOKEN (fencing token), DRIVEBUS_RESERVATION, "
                        + "DRIVEBUS_LIBRARY, DRIVEBUS_HOST.",
                "On SIGTERM or SIGINT drivebus stops COMMAND (SIGTERM, then SIGKILL after --kill-after) and releases.",
                "If the lease is lost while COMMAND runs, COMMAND is stopped and drivebus exits with 12.",
                "Example: drivebus hold --library L --slot 3 -- sh -c 'tar cf \"$DRIVEBUS_DEVICE/data\" /etc'"},
        footer = {"", "Exit status: COMMAND's (128+N when killed by signal N); before COMMAND runs, the codes of reserve."})
final class HoldCommand extends ReservingVerb {

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    ReserveCommand.VolumeChoice volume;

    @Option(names = "--unload", description = "Put the volume back into its slot on release.")
    boolean unload;

    @Option(names = "--kill-after", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
            description = "When stopping COMMAND: SIGKILL if it has not exited this long after SIGTERM (default: ${DEFAULT-VALUE}).")
    Duration killAfter;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The command to run, after --.")
    List<String> command;

    @Override
    void validate() {
        ReserveCommand.VolumeChoice.check(volume, options, spec);
    }

    @Override
    Reserve volume(String library) {
        return ReserveCommand.VolumeChoice.of(volume, library);
    }

    @Override
    int execute(DrivebusClient client, Owner owner, PrintWriter out, PrintWriter err) throws Exception {
        Reservation r = reserve(client, owner, err);
        Lease lease = client.lease(r, options.lease);
        AtomicBoolean terminating = new AtomicBoolean();
        AtomicBoolean lost = new AtomicBoolean();
        CountDownLatch hookDone = new CountDownLatch(1);
        Process child;
        try {
            ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
            environment(pb.environment(), r);
            child = pb.start();
        } catch (IOException | RuntimeException e) {
            release(lease, err);
            throw new DrivebusException(io.drivebus.schemas.DrivebusError.fatal(io.drivebus.schemas.ErrorReason.invalid,
                    "cannot run " + command.get(0) + ": " + e.getMessage()), r.requestId(), e);
        }
        if (!json) {
            err.println("drivebus: holding drive " + r.drive() + (r.devicePath() != null ? " (" + r.devicePath() + ")" : "")
                    + (r.label() != null ? " volume " + r.label() : "") + ", token " + r.token() + ", reservation "
                    + r.reservationId() + "; running " + String.join(" ", command) + " (pid " + child.pid() + ")");
            err.flush();
        }
        lease.lost().thenAccept(e -> {
            lost.set(true);
            err.println("drivebus: lease of reservation " + r.reservationId() + " lost (" + e.getMessage() + "); stopping the command");
            err.flush();
            stop(child);
        });
        // drivebus told to stop (SIGTERM, SIGINT): stop the command first, then give the drive back
        Thread hook = new Thread(() -> {
            terminating.set(true);
            try {
                if (child.isAlive()) {
                    stop(child);
                }
                release(lease, err);
            } finally {
                hookDone.countDown();
            }
        }, "drivebus-hold-release");
        boolean hooked = addHook(hook);

        int code = child.waitFor();
        if (terminating.get()) {
            hookDone.await(30, TimeUnit.SECONDS); // the hook releases; the JVM exits when it is done
            return 128 + 15;
        }
        if (hooked) {
            removeHook(hook);
        }
        boolean released = release(lease, err);
        if (json) {
            ObjectNode o = mapper().createObjectNode();
            o.set("reservation", mapper().valueToTree(lease.reservation()));
            o.putPOJO("command", command);
            o.put("commandExitCode", code);
            o.put("released", released);
            o.put("leaseLost", lost.get());
            int exit = lost.get() ? ExitCodes.LEASE_LOST : code;
            o.put("exitCode", exit);
            out.println(o);
        }
        return lost.get() ? ExitCodes.LEASE_LOST : code;
    }

    private boolean release(Lease lease, PrintWriter err) {
        try {
            boolean wasLost = lease.isLost();
            lease.release(unload);
            if (!json && !wasLost) {
                err.println("drivebus: released reservation " + lease.reservationId());
                err.flush();
            }
            return !wasLost;
        } catch (DrivebusException e) {
            err.println("drivebus: release of reservation " + lease.reservationId() + " failed: " + e.getMessage());
            err.flush();
            return false;
        }
    }

    /** SIGTERM, then SIGKILL after --kill-after. */
    private void stop(Process child) {
        child.descendants().forEach(ProcessHandle::destroy);
        child.destroy();
        try {
            if (!child.waitFor(killAfter.toMillis(), TimeUnit.MILLISECONDS)) {
                child.descendants().forEach(ProcessHandle::destroyForcibly);
                child.destroyForcibly();
                child.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            child.destroyForcibly();
        }
    }

    static void environment(Map<String, String> env, Reservation r) {
        put(env, "DRIVEBUS_DEVICE", r.devicePath());
        put(env, "DRIVEBUS_DRIVE", r.drive());
        put(env, "DRIVEBUS_VOLUME", r.label());
        put(env, "DRIVEBUS_SLOT", r.slot() == null ? null : r.slot().toString());
        put(env, "DRIVEBUS_TOKEN", Long.toString(r.token()));
        put(env, "DRIVEBUS_RESERVATION", r.reservationId());
        put(env, "DRIVEBUS_LIBRARY", r.library());
        put(env, "DRIVEBUS_HOST", r.host());
    }

    private static void put(Map<String, String> env, String key, String value) {
        if (value != null) {
            env.put(key, value);
        } else {
            env.remove(key);
        }
    }
}
