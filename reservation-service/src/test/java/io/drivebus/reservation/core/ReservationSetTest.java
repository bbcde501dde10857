package io.drivebus.reservation.core;

import static io.drivebus.reservation.core.ReservationCoreTest.denial;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.AccessMode;
import io.drivebus.schemas.reservation.DeviceWant;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationSetReady;
import io.drivebus.schemas.reservation.ReserveSetRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Copy/migrate jobs: all devices or none, so two such jobs can never deadlock each other. */
class ReservationSetTest {
    static final Instant T0 = ReservationCoreTest.T0;
    static final Owner JOB_A = new Owner("copy-a", "dir");
    static final Owner JOB_B = new Owner("copy-b", "dir");

    ReservationCore core;
    Library lib;

    @BeforeEach
    void setUp() {
        core = new ReservationCore(Fixtures.ids());
        lib = new Library("lib1");
    }

    /**
     * Bareos' deadlock: volume V1 sits in drive d2 and V2 in d1. Job A reads V1 and writes pool Copy; job B reads V2
     * and writes pool Copy. Holding one drive while waiting for another, A takes d2 and B takes d1 and each waits for
     * the other forever. Here each set is granted whole or waits whole.
     */
    void crossingLibrary() {
        List<DriveStatus> drives = List.of(
                new DriveStatus("d1", "/dev/d1", DriveState.loaded, "LTO-8", "V2", null, 2, null, 0, true, 1, "Full", false),
                new DriveStatus("d2", "/dev/d2", DriveState.loaded, "LTO-8", "V1", null, 1, null, 0, true, 1, "Full", false));
        List<SlotStatus> slots = List.of(new SlotStatus(1, SlotState.EMPTY, null, null, false), new SlotStatus(2, SlotState.EMPTY, null, null, false),
                new SlotStatus(3, SlotState.FULL, "C3", null, false, "Copy", true), new SlotStatus(4, SlotState.FULL, "C4", null, false, "Copy", true));
        core.onStatus(lib, new LibraryStatus("lib1", "h1", "vtape", "t", true, drives, slots, 1, 5000), T0);
    }

    static ReserveSetRequest copy(Owner o, String readLabel) {
        return new ReserveSetRequest("lib1", o, "copy", List.of(new DeviceWant(null, readLabel, AccessMode.read, null, null),
                new DeviceWant(null, null, AccessMode.append, null, "Copy")), null, 60_000L, null);
    }

    @Test
    void theCrossingCaseThatDeadlockedBareosServesOneSetWholeAndTheOtherAfterIt() {
        crossingLibrary();
        List<Output> a = core.onRequest(lib, "A", copy(JOB_A, "V1"), T0);
        List<Output> b = core.onRequest(lib, "B", copy(JOB_B, "V2"), T0);
        assertEquals(2, grants(a).size(), "A got both its devices");
        assertEquals("d2", grants(a).get(0).drive(), "reads V1 where it sits");
        assertEquals("d1", grants(a).get(1).drive(), "writes Copy on the other drive");
        assertTrue(grants(b).isEmpty(), "B holds nothing while it waits: no hold-and-wait, no deadlock");
        assertTrue(b.stream().anyMatch(o -> o instanceof Output.Event e && e.event() instanceof ReservationQueued));
        assertEquals(0, lib.reservations.values().stream().filter(r -> JOB_B.equals(r.owner)).count());

        // A's append loads C3 into d1 (putting V2 back): finish it, then A is ready as a whole
        List<Output> aReady = completeLoads(a);
        assertTrue(aReady.stream().anyMatch(o -> o instanceof Output.Event e && e.event() instanceof ReservationSetReady));

        List<Output> released = core.onRequest(lib, "relA", new ReleaseRequest("lib1", "A", JOB_A, null), T0);
        assertEquals(2, released.stream().filter(o -> o instanceof Output.Event e
                && e.event() instanceof io.drivebus.schemas.reservation.ReservationReleased).count(), "the set's id releases every member");
        List<ReservationGranted> bGrants = grants(released);
        assertEquals(2, bGrants.size(), "B is served whole once A is done");
        completeLoads(released);
        assertEquals(2, lib.reservations.size());
    }

    @Test
    void aSetIsReadyOnceWhenItsLastLoadIsDone() {
        crossingLibrary();
        List<Output> a = core.onRequest(lib, "A", copy(JOB_A, "V1"), T0);
        List<Output> ready = completeLoads(a);
        List<ReservationSetReady> sets = ready.stream().filter(o -> o instanceof Output.Event e && e.event() instanceof ReservationSetReady)
                .map(o -> (ReservationSetReady) ((Output.Event) o).event()).toList();
        assertEquals(1, sets.size());
        assertEquals("A", sets.get(0).setId());
        assertEquals(List.of("A/0", "A/1"), sets.get(0).members().stream().map(m -> m.reservationId()).toList());
        assertEquals("A", ((Output.Event) ready.stream().filter(o -> o instanceof Output.Event e && e.event() instanceof ReservationSetReady)
                .findFirst().orElseThrow()).correlationId());
    }

    @Test
    void oneFailedLoadEndsTheWholeSetWithOneAnswer() {
        crossingLibrary();
        List<Output> a = core.onRequest(lib, "A", copy(JOB_A, "V1"), T0);
        Output.Command load = a.stream().filter(o -> o instanceof Output.Command).map(o -> (Output.Command) o).findFirst().orElseThrow();
        List<Output> failed = core.onDeviceResult(lib, load.commandId(), new DeviceCommandResult("lib1", load.commandId(), "h1",
                load.command().drive(), DeviceAction.load, load.command().token(), CommandOutcome.failed,
                io.drivebus.schemas.DrivebusError.failed(ErrorReason.device, "robot jammed"), load.command().slot(), null, null,
                load.command().reservationId()), T0);
        List<ReservationDenied> denials = failed.stream().filter(o -> o instanceof Output.Event e && e.event() instanceof ReservationDenied)
                .map(o -> (ReservationDenied) ((Output.Event) o).event()).toList();
        assertEquals(1, denials.size());
        assertEquals("A", denials.get(0).reservationId());
        assertTrue(lib.reservations.isEmpty(), "no member survives");
    }

    @Test
    void aSetThatCannotBeServedWholeTakesNothingAndWithoutWaitingIsRefused() {
        crossingLibrary();
        ReserveSetRequest impossible = new ReserveSetRequest("lib1", JOB_A, null, List.of(new DeviceWant(null, "V1", AccessMode.read, null, null),
                new DeviceWant(null, null, AccessMode.append, null, "Nope")), null, null, null);
        assertEquals(ErrorReason.notfound, denial(core.onRequest(lib, "X", impossible, T0)).reason());
        assertTrue(lib.reservations.isEmpty());
        assertTrue(lib.drives.values().stream().allMatch(d -> d.holders.isEmpty()));
    }

    @Test
    void twoMembersNeverShareOneDriveOrOneVolume() {
        crossingLibrary();
        ReserveSetRequest twice = new ReserveSetRequest("lib1", JOB_A, null, List.of(new DeviceWant(null, "V1", AccessMode.read, null, null),
                new DeviceWant(null, "V1", AccessMode.read, null, null)), null, null, null);
        assertEquals(ErrorReason.volinuse, denial(core.onRequest(lib, "X", twice, T0)).reason());
    }

    private static List<ReservationGranted> grants(List<Output> out) {
        List<ReservationGranted> gs = new ArrayList<>();
        for (Output o : out) {
            if (o instanceof Output.Event e && e.event() instanceof ReservationGranted g) {
                gs.add(g);
            }
        }
        return gs;
    }

    /** The agent finishes every load in {@code out}; returns what the core answered. */
    private List<Output> completeLoads(List<Output> out) {
        List<Output> answers = new ArrayList<>();
        for (Output o : out) {
            if (o instanceof Output.Command c && c.command().action() == DeviceAction.load) {
                var cmd = c.command();
                answers.addAll(core.onDeviceResult(lib, c.commandId(), new DeviceCommandResult("lib1", c.commandId(), "h1", cmd.drive(),
                        DeviceAction.load, cmd.token(), CommandOutcome.done, null, cmd.slot(), cmd.expectedLabel(), null, cmd.reservationId()), T0));
            }
        }
        return answers;
    }
}
