package io.drivebus.client.cli;

import io.drivebus.client.DrivebusClient;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ChangerResult;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Amanda's changer operations that reserve nothing: reset, eject, update, move, show (info). */
final class ChangerCommands {

    abstract static class ChangerVerb extends VerbCommand {
        @Option(names = "--library", required = true, paramLabel = "LIBRARY", description = "Library (changer) id.")
        String library;

        @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "2m",
                description = "How long to wait for the answer, robot motion included (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        abstract ChangerRequest request(Owner owner);

        abstract String describe(ChangerResult r);

        @Override
        Duration timeout() {
            return timeout;
        }

        @Override
        int execute(DrivebusClient client, Owner owner, PrintWriter out, PrintWriter err) {
            ChangerResult r = client.changer(request(owner), timeout);
            out.println(json ? toJson(r) : describe(r));
            return ExitCodes.OK;
        }

        static String slots(ChangerResult r) {
            return r.slots() == null ? "" : r.slots().stream().map(String::valueOf).collect(Collectors.joining(","));
        }
    }

    @Command(name = "reset", description = "Set the library's current slot back to the first slot (amtape reset). "
            + "Reservations are not touched.")
    static final class Reset extends ChangerVerb {
        @Override
        ChangerRequest request(Owner owner) {
            return ChangerRequest.of(library, owner, ChangerOp.reset);
        }

        @Override
        String describe(ChangerResult r) {
            return "changer " + r.library() + " is reset, current slot " + r.currentSlot();
        }
    }

    @Command(name = "eject", description = "Unload a drive nobody holds: its volume goes back to its slot (amtape eject). "
            + "A reserved drive is refused (driveinuse).")
    static final class Eject extends ChangerVerb {
        @Option(names = "--drive", required = true, paramLabel = "DRIVE", description = "The drive to unload.")
        String drive;

        @Override
        ChangerRequest request(Owner owner) {
            return new ChangerRequest(library, owner, ChangerOp.eject, drive, null, null, null);
        }

        @Override
        String describe(ChangerResult r) {
            String s = slots(r);
            return "drive " + (r.drive() != null ? r.drive() : drive) + " is empty" + (s.isEmpty() ? "" : ", volume back in slot " + s);
        }
    }

    @Command(name = "update", description = {"Rescan the library's slots, or record what is in a slot without robot motion "
            + "(amtape update).", "SPEC: slot ranges to rescan (1-3,9); N=LABEL to record a label; N= to forget it. "
            + "Without SPEC every slot is rescanned."})
    static final class Update extends ChangerVerb {
        @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC", description = "1-3,9 | N=LABEL | N= (default: all slots).")
        String spec;

        @Override
        ChangerRequest request(Owner owner) {
            return new ChangerRequest(library, owner, ChangerOp.update, null, spec, null, null);
        }

        @Override
        String describe(ChangerResult r) {
            return "updated slot" + (r.slots() != null && r.slots().size() == 1 ? " " : "s ") + slots(r) + " of changer " + r.library();
        }
    }

    @Command(name = "move", description = "Move a volume from one slot to an empty slot (amtape's move). "
            + "Neither may be in use.")
    static final class Move extends ChangerVerb {
        @Parameters(index = "0", paramLabel = "FROM", description = "Slot holding the volume.")
        int from;

        @Parameters(index = "1", paramLabel = "TO", description = "Empty slot to move it to.")
        int to;

        @Override
        ChangerRequest request(Owner owner) {
            return new ChangerRequest(library, owner, ChangerOp.move, null, null, from, to);
        }

        @Override
        String describe(ChangerResult r) {
            return "moved the volume in slot " + from + " to slot " + to;
        }
    }

    @Command(name = "show", description = "Print what the changer says about itself (Amanda's info): num_slots, vendor, "
            + "fast_search, current slot.")
    static final class Show extends ChangerVerb {
        @Override
        ChangerRequest request(Owner owner) {
            return ChangerRequest.of(library, owner, ChangerOp.info);
        }

        @Override
        String describe(ChangerResult r) {
            return "changer " + r.library() + System.lineSeparator()
                    + "num_slots: " + r.numSlots() + System.lineSeparator()
                    + "vendor: " + (r.vendor() == null ? "unknown" : r.vendor()) + System.lineSeparator()
                    + "fast_search: " + (r.fastSearch() ? "yes" : "no") + System.lineSeparator()
                    + "current_slot: " + r.currentSlot();
        }
    }

    private ChangerCommands() {
    }
}
