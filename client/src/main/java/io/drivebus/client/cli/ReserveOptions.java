package io.drivebus.client.cli;

import io.drivebus.client.Reserve;
import io.drivebus.schemas.reservation.AccessMode;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** What every reserving verb (reserve, hold, slot, label, current, next) accepts besides how it names the volume. */
final class ReserveOptions {

    @Option(names = "--library", required = true, paramLabel = "LIBRARY", description = "Library (changer) id.")
    String library;

    @Option(names = "--job", paramLabel = "JOB", description = "Job name, recorded with the reservation.")
    String job;

    @Option(names = "--lease", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Lease length, e.g. 5m (default: the service's). Renew before it runs out.")
    Duration lease;

    @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Wait in the library's queue up to DURATION while the volume or every drive is busy "
                    + "(default: answer at once with volinuse / driveinuse).")
    Duration wait;

    @Option(names = "--priority", paramLabel = "N", description = "Queue priority, lower first (Bareos' convention; default 10).")
    Integer priority;

    @Option(names = "--mode", paramLabel = "read|append", description = "Bareos access mode: read (exclusive) or append.")
    AccessMode mode;

    @Option(names = "--media-type", paramLabel = "TYPE", description = "Media type the drive must take.")
    String mediaType;

    @Option(names = "--pool", paramLabel = "POOL", description = "Pool of the volume to append to.")
    String pool;

    @Option(names = "--candidate", paramLabel = "LIBRARY", split = ",",
            description = "Further libraries to try, in order, when LIBRARY cannot serve the request (repeatable or comma separated).")
    List<String> candidates;

    @Option(names = "--except-slots", paramLabel = "N[,N...]", split = ",",
            description = "current/next: slots to skip.")
    List<Integer> exceptSlots;

    @Option(names = "--set-current", negatable = true, paramLabel = "BOOL",
            description = "Make the loaded slot the library's current slot (Amanda's set_current; default: the service's).")
    Boolean setCurrent;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5m",
            description = "How long to wait for the volume to be ready (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    /** Adds these options to a request that already names its volume (or none). */
    Reserve apply(Reserve r) {
        return r.job(job).lease(lease).waitUpTo(wait).priority(priority).mode(mode).mediaType(mediaType).pool(pool)
                .candidates(candidates).except(exceptSlots).setCurrent(setCurrent);
    }

    /** The client waits at least as long as the request may wait in the queue. */
    Duration answerWithin() {
        return wait != null && wait.compareTo(timeout) > 0 ? wait : timeout;
    }
}
