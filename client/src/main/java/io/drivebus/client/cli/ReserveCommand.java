package io.drivebus.client.cli;

import io.drivebus.client.DrivebusClient;
import io.drivebus.client.Reservation;
import io.drivebus.client.Reserve;
import io.drivebus.schemas.Owner;
import java.io.PrintWriter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "reserve",
        description = {"Reserve a drive with a volume (by slot, by label, the current or next slot, or - with --mode, "
                + "--media-type, --pool - any suitable drive), wait until the volume is in the drive, and print the drive, "
                + "its device path, the volume and the fencing token.",
                "A busy volume or library is answered at once (volinuse, driveinuse) unless --wait is given: then the "
                        + "request waits in the library's queue, in priority then arrival order, up to that long.",
                "The reservation stays until released (drivebus release) or its lease lapses: renew it, or use hold."})
final class ReserveCommand extends ReservingVerb {

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    VolumeChoice volume;

    /** How reserve and hold name the volume. */
    static final class VolumeChoice {
        @Option(names = "--slot", required = true, paramLabel = "N", description = "The volume in slot N.")
        Integer slot;

        @Option(names = "--label", required = true, paramLabel = "LABEL", description = "The volume labelled LABEL.")
        String label;

        @Option(names = "--current", required = true, description = "The volume in the library's current slot (Amanda).")
        boolean current;

        @Option(names = "--next", required = true, description = "The volume in the slot after the current one (Amanda).")
        boolean next;

        /** Without a volume, a reserve asks for any suitable drive: then it must say what kind. */
        static void check(VolumeChoice v, ReserveOptions o, picocli.CommandLine.Model.CommandSpec spec) {
            if (v == null && o.mode == null && o.mediaType == null && o.pool == null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "Name the volume (--slot, --label, --current, --next) or the kind of drive (--mode, --media-type, --pool)");
            }
        }

        static Reserve of(VolumeChoice v, String library) {
            if (v == null) {
                return Reserve.any(library);
            }
            if (v.slot != null) {
                return Reserve.slot(library, v.slot);
            }
            if (v.label != null) {
                return Reserve.label(library, v.label);
            }
            return v.current ? Reserve.current(library) : v.next ? Reserve.next(library) : Reserve.any(library);
        }
    }

    @Override
    void validate() {
        VolumeChoice.check(volume, options, spec);
    }

    @Override
    Reserve volume(String library) {
        return VolumeChoice.of(volume, library);
    }

    @Override
    int execute(DrivebusClient client, Owner owner, PrintWriter out, PrintWriter err) {
        return reserveAndPrint(client, owner, out, err);
    }

    /** Kept for callers of the earlier class. */
    static String describe(Reservation r) {
        return ReservingVerb.describe(r);
    }
}
