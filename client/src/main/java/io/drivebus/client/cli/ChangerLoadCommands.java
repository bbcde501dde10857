package io.drivebus.client.cli;

import io.drivebus.client.DrivebusClient;
import io.drivebus.client.Reserve;
import io.drivebus.schemas.Owner;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Amanda's {@code amtape slot N | label L | current | next}: each is a reserve, printed as reserve prints it. */
final class ChangerLoadCommands {

    /** A load is a reserve, printed as reserve prints it: the verbs differ only in how they name the volume. */
    abstract static class LoadVerb extends ReservingVerb {
        @Override
        int execute(DrivebusClient client, Owner owner, PrintWriter out, PrintWriter err) {
            return reserveAndPrint(client, owner, out, err);
        }
    }

    @Command(name = "slot", description = {"Reserve a drive with the volume from slot N (amtape slot N).",
            "Same as: drivebus reserve --slot N. Release it with drivebus release."})
    static final class Slot extends LoadVerb {
        @Parameters(index = "0", paramLabel = "N", description = "Slot number.")
        int slot;

        @Override
        Reserve volume(String library) {
            return Reserve.slot(library, slot);
        }
    }

    @Command(name = "label", description = {"Reserve a drive with the volume labelled LABEL (amtape label LABEL).",
            "Same as: drivebus reserve --label LABEL."})
    static final class Label extends LoadVerb {
        @Parameters(index = "0", paramLabel = "LABEL", description = "Volume label.")
        String label;

        @Override
        Reserve volume(String library) {
            return Reserve.label(library, label);
        }
    }

    @Command(name = "current", description = {"Reserve a drive with the volume in the library's current slot (amtape slot current).",
            "Same as: drivebus reserve --current."})
    static final class Current extends LoadVerb {
        @Override
        Reserve volume(String library) {
            return Reserve.current(library);
        }
    }

    @Command(name = "next", description = {"Reserve a drive with the volume in the slot after the current one, skipping "
            + "--except-slots (amtape slot next).", "Same as: drivebus reserve --next."})
    static final class Next extends LoadVerb {
        @Override
        Reserve volume(String library) {
            return Reserve.next(library);
        }
    }

    private ChangerLoadCommands() {
    }
}
