package io.drivebus.client.cli;

import io.drivebus.client.DrivebusClient;
import io.drivebus.client.Reservation;
import io.drivebus.client.Reserve;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Mixin;

/**
 * Verbs that reserve: reserve, hold, and the Amanda-style slot, label, current, next. They share the options, the
 * waiting line, and withdrawing the request when drivebus is interrupted while it waits.
 */
abstract class ReservingVerb extends VerbCommand {

    @Mixin
    ReserveOptions options;

    /** How the verb names the volume. */
    abstract Reserve volume(String library);

    @Override
    Duration timeout() {
        return options.timeout;
    }

    @Override
    String library() {
        return options.library;
    }

    ReserveRequest request(Owner owner) {
        return options.apply(volume(options.library)).owner(owner).request();
    }

    /**
     * Reserves, showing progress on stderr. A SIGINT/SIGTERM while waiting withdraws the request (a cancel ends it in
     * whatever state it is: queued, loading, or just granted), so nothing is left queued or held.
     */
    Reservation reserve(DrivebusClient client, Owner owner, PrintWriter err) {
        ReserveRequest request = request(owner);
        WaitingLine line = new WaitingLine(options.library, err, WaitingLine.interactive());
        AtomicBoolean done = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            String id = line.requestId();
            if (!done.get() && id != null) {
                line.finish();
                err.println("drivebus: interrupted, withdrawing request " + id);
                err.flush();
                try {
                    client.cancel(options.library, id, owner, Duration.ofSeconds(5));
                } catch (RuntimeException e) {
                    // best effort: the wait timeout or the lease ends it anyway
                }
            }
        }, "drivebus-withdraw");
        boolean hooked = addHook(hook);
        try {
            return client.reserve(request, options.answerWithin(), line);
        } finally {
            done.set(true);
            line.finish();
            if (hooked) {
                removeHook(hook);
            }
        }
    }

    static boolean addHook(Thread hook) {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            return true;
        } catch (IllegalStateException e) {
            return false; // already shutting down
        }
    }

    static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook runs (and sees the call done)
        }
    }

    /** e.g. {@code reserved drive d0 (/dev/nst0) volume DEMO003 from slot 3, token 7, reservation r-1, lease until ...}. */
    static String describe(Reservation r) {
        StringBuilder b = new StringBuilder("reserved drive ").append(r.drive());
        if (r.devicePath() != null) {
            b.append(" (").append(r.devicePath()).append(')');
        }
        if (r.label() != null) {
            b.append(" volume ").append(r.label());
        }
        if (r.slot() != null) {
            b.append(" from slot ").append(r.slot());
        }
        b.append(", token ").append(r.token()).append(", reservation ").append(r.reservationId());
        if (r.leaseExpiresAt() != null) {
            b.append(", lease until ").append(r.leaseExpiresAt());
        }
        return b.toString();
    }

    /** Reserves and prints the reservation: what reserve, slot, label, current and next do. */
    int reserveAndPrint(DrivebusClient client, Owner owner, PrintWriter out, PrintWriter err) {
        Reservation r = reserve(client, owner, err);
        String text = describe(r);
        if (!options.library.equals(r.library())) {
            text = text.replace(", token ", " of library " + r.library() + ", token ");
        }
        out.println(json ? toJson(r) : text);
        return ExitCodes.OK;
    }
}
