package io.drivebus.reservation.core;

import io.drivebus.schemas.Owner;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Builders for the decision-core tests: a library of N slots (volume VOLnnn in slot n) and some drives. */
public final class Fixtures {
    public static final Owner ALICE = new Owner("alice", "host-a");
    public static final Owner BOB = new Owner("bob", "host-b");

    public static LibraryStatus status(String lib, long seq, int slots, List<DriveStatus> drives) {
        List<SlotStatus> ss = new ArrayList<>();
        for (int i = 1; i <= slots; i++) {
            int n = i;
            boolean inDrive = drives.stream().anyMatch(d -> d.state() == DriveState.loaded && Integer.valueOf(n).equals(d.sourceSlot()));
            ss.add(inDrive ? new SlotStatus(i, SlotState.EMPTY, null, null, false)
                    : new SlotStatus(i, SlotState.FULL, label(i), label(i) + "L8", false));
        }
        return new LibraryStatus(lib, "h1", "vtape", "test", true, drives, ss, seq, 5000);
    }

    public static DriveStatus empty(String id) {
        return new DriveStatus(id, "/dev/" + id, DriveState.empty, "LTO-8", null, null, null, null, 0);
    }

    public static DriveStatus loaded(String id, int fromSlot) {
        return new DriveStatus(id, "/dev/" + id, DriveState.loaded, "LTO-8", label(fromSlot), label(fromSlot) + "L8", fromSlot, null, 0);
    }

    public static String label(int slot) {
        return String.format("VOL%03d", slot);
    }

    public static DeviceCommandResult loadDone(String lib, String commandId, String drive, long token, int slot, String reservationId) {
        return new DeviceCommandResult(lib, commandId, "h1", drive, DeviceAction.load, token, CommandOutcome.done, null, slot,
                label(slot), label(slot) + "L8", reservationId);
    }

    /** Predictable ids: e1, e2, ... */
    public static java.util.function.Supplier<String> ids() {
        AtomicInteger n = new AtomicInteger();
        return () -> "e" + n.incrementAndGet();
    }

    private Fixtures() {
    }
}
