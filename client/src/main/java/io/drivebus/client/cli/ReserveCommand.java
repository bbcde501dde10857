package io.drivebus.client.cli;

import io.drivebus.client.DrivebusClient;
import io.drivebus.client.Reservation;
import io.drivebus.client.ReservationListener;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "reserve",
        description = {"Reserve a drive with a volume (by slot or by label), wait until the volume is in the drive, "
                + "and print the drive, its device path, the volume and the fencing token.",
                "A busy volume or library is answered at once (volinuse, driveinuse) unless --wait is given: then the "
                        + "request waits in the library's queue, in priority then arrival order, up to that long."})
final class ReserveCommand extends VerbCommand {

    @Option(names = "--library", required = true, paramLabel = "LIBRARY", description = "Library (changer) id.")
    String library;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Volume volume;

    static final class Volume {
        @Option(names = "--slot", required = true, paramLabel = "N", description = "The volume in slot N.")
        Integer slot;

        @Option(names = "--label", required = true, paramLabel = "LABEL", description = "The volume labelled LABEL.")
        String label;
    }

    @Option(names = "--job", paramLabel = "JOB", description = "Job name, recorded with the reservation.")
    String job;

    @Option(names = "--lease", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Lease length, e.g. 5m (default: the service's). Renew before it runs out.")
    Duration lease;

    @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Wait in the library's queue up to DURATION while the volume or every drive is busy.")
    Duration wait;

    @Option(names = "--priority", paramLabel = "N", description = "Queue priority, lower first (Bareos' convention; default 10).")
    Integer priority;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5m",
            description = "How long to wait for the volume to be ready (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    Duration timeout() {
        return timeout;
    }

    @Override
    int execute(DrivebusClient client, Owner owner, PrintWriter out, PrintWriter err) {
        ReserveRequest request = (volume.slot != null
                ? ReserveRequest.bySlot(library, owner, volume.slot)
                : ReserveRequest.byLabel(library, owner, volume.label))
                .withJob(job)
                .withLeaseMs(lease == null ? null : lease.toMillis());
        if (wait != null || priority != null) {
            request = new ReserveRequest(request.library(), request.owner(), request.job(), request.slot(), request.label(), null, null,
                    null, null, null, null, null, priority, wait == null ? null : wait.toMillis(), request.leaseMs());
        }
        Duration answerWithin = wait != null && wait.compareTo(timeout) > 0 ? wait : timeout;
        Reservation r = client.reserve(request, answerWithin, new ReservationListener() {
            @Override
            public void queued(int position) {
                err.println("drivebus: queued in library " + library + ", position " + position);
                err.flush();
            }

            @Override
            public void loading(ReservationGranted g) {
                err.println("drivebus: granted drive " + g.drive() + ", loading"
                        + (g.label() != null ? " volume " + g.label() : "")
                        + (g.slot() != null ? " from slot " + g.slot() : "") + " (token " + g.token() + ")");
                err.flush();
            }
        });
        out.println(json ? toJson(r) : describe(r));
        return ExitCodes.OK;
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
}
