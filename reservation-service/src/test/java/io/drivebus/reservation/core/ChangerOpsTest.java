package io.drivebus.reservation.core;

import static io.drivebus.reservation.core.Fixtures.ALICE;
import static io.drivebus.reservation.core.Fixtures.BOB;
import static io.drivebus.reservation.core.Fixtures.empty;
import static io.drivebus.reservation.core.Fixtures.loaded;
import static io.drivebus.reservation.core.Fixtures.status;
import static io.drivebus.reservation.core.ReservationCoreTest.command;
import static io.drivebus.reservation.core.ReservationCoreTest.denial;
import static io.drivebus.reservation.core.ReservationCoreTest.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.RecordedLabel;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Amanda's changer operations: info, reset, eject, update (rescan, N=LABEL, N=), move. */
class ChangerOpsTest {
    static final Instant T0 = ReservationCoreTest.T0;
    static final Owner OP = new Owner("operator", "ops");

    ReservationCore core;
    Library lib;

    @BeforeEach
    void setUp() {
        core = new ReservationCore(Fixtures.ids());
        lib = new Library("lib1");
        core.onStatus(lib, status("lib1", 1, 10, List.of(empty("d0"), loaded("d1", 7))), T0);
    }

    List<Output> op(String id, ChangerOp op, String drive, String spec, Integer from, Integer to) {
        return core.onRequest(lib, id, new ChangerRequest("lib1", OP, op, drive, spec, from, to), T0);
    }

    static DeviceCommandResult done(Output.Command c) {
        DeviceCommand cmd = c.command();
        return new DeviceCommandResult("lib1", c.commandId(), "h1", cmd.drive(), cmd.action(), cmd.token(), CommandOutcome.done, null,
                cmd.slot(), null, null, null);
    }

    @Test
    void infoTellsNumSlotsVendorFastSearchAndTheCurrentSlot() {
        ChangerResult r = event(op("i", ChangerOp.info, null, null, null, null), 0, ChangerResult.class);
        assertEquals(10, r.numSlots());
        assertEquals("test", r.vendor());
        assertTrue(r.fastSearch());
        assertEquals(1, r.currentSlot());
    }

    @Test
    void resetMovesTheCurrentSlotBackButKeepsLiveReservations() {
        core.onRequest(lib, "r1", new ReserveRequest("lib1", ALICE, null, 5, null, null, null, true, null, null, null, null, null, null,
                null), T0);
        assertEquals(5, lib.currentSlot());
        ChangerResult r = event(op("x", ChangerOp.reset, null, null, null, null), 0, ChangerResult.class);
        assertEquals(1, r.currentSlot());
        assertEquals(1, lib.reservations.size(), "chg-multi's reset dropped reservations; this one does not");
        assertEquals(ErrorReason.volinuse, denial(core.onRequest(lib, "r2", ReserveRequest.bySlot("lib1", BOB, 5), T0)).reason());
    }

    @Test
    void ejectUnloadsAFreeDriveUnderANewTokenAndAnswersWhenDone() {
        long before = lib.drives.get("d1").token;
        List<Output> out = op("e", ChangerOp.eject, "d1", null, null, null);
        Output.Command c = (Output.Command) out.get(0);
        assertEquals(DeviceAction.unload, c.command().action());
        assertTrue(c.command().token() > before, "an eject fences off what was issued before it");
        // the drive is busy until the agent answers
        assertEquals(ErrorReason.driveinuse, denial(op("e2", ChangerOp.eject, "d1", null, null, null)).reason());
        List<Output> answered = core.onDeviceResult(lib, c.commandId(), done(c), T0);
        ChangerResult r = event(answered, 0, ChangerResult.class);
        assertEquals("d1", r.drive());
        assertEquals("e", ((Output.Event) answered.get(0)).correlationId());
        assertNull(lib.drives.get("d1").pendingCommandId);
    }

    @Test
    void ejectRefusesAReservedDriveNamingTheHolderAndIsANoOpOnAnEmptyOne() {
        core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 7), T0); // volume 7 is in d1: granted there
        DrivebusError e = denial(op("e", ChangerOp.eject, "d1", null, null, null));
        assertEquals(ErrorReason.driveinuse, e.reason());
        assertEquals(ALICE, e.holder());
        assertEquals("d0", event(op("e0", ChangerOp.eject, "d0", null, null, null), 0, ChangerResult.class).drive());
        assertEquals(ErrorReason.notfound, denial(op("e9", ChangerOp.eject, "d9", null, null, null)).reason());
        assertEquals(ErrorReason.invalid, denial(op("e?", ChangerOp.eject, null, null, null, null)).reason());
    }

    @Test
    void updateRecordsALabelWithoutMotionAndForgetsOne() {
        // a library without a barcode reader: slot 2's contents unknown
        List<SlotStatus> slots = new ArrayList<>();
        slots.add(new SlotStatus(1, SlotState.FULL, "VOL001", null, false));
        slots.add(new SlotStatus(2, SlotState.UNKNOWN, null, null, false));
        core.onStatus(lib, new LibraryStatus("lib1", "h1", "mtx", "t", false, List.of(empty("d0")), slots, 2, 5000), T0);
        assertEquals(ErrorReason.notfound, denial(core.onRequest(lib, "a", ReserveRequest.byLabel("lib1", ALICE, "TAPE42"), T0)).reason());

        List<Output> rec = op("u1", ChangerOp.update, null, "2=TAPE42", null, null);
        assertEquals(List.of(2), event(rec, 0, ChangerResult.class).slots());
        assertEquals(List.of(new RecordedLabel(2, "TAPE42")), event(rec, 0, ChangerResult.class).recordedLabels(),
                "the inventory learns the recorded label from the result");
        assertTrue(rec.stream().noneMatch(o -> o instanceof Output.Command), "no robot motion");
        assertEquals(2, event(core.onRequest(lib, "b", ReserveRequest.byLabel("lib1", ALICE, "TAPE42"), T0), 0,
                ReservationGranted.class).slot());

        assertEquals(List.of(new RecordedLabel(1, ""), new RecordedLabel(2, "TAPE42")),
                event(op("u2", ChangerOp.update, null, "1=", null, null), 0, ChangerResult.class).recordedLabels());
        // a later heartbeat from the agent does not bring the forgotten label back; only a rescan does
        core.onStatus(lib, new LibraryStatus("lib1", "h1", "mtx", "t", false, List.of(empty("d0")), slots, 3, 5000), T0);
        assertEquals(ErrorReason.notfound, denial(core.onRequest(lib, "c", ReserveRequest.byLabel("lib1", BOB, "VOL001"), T0)).reason());
        Output.Command scan = (Output.Command) op("u3", ChangerOp.update, null, "1", null, null).get(0);
        assertEquals(DeviceAction.scan, scan.command().action());
        List<Output> answered = core.onDeviceResult(lib, scan.commandId(), done(scan), T0);
        assertEquals(List.of(1), event(answered, 0, ChangerResult.class).slots());
        assertEquals("VOL001", lib.labelOf(lib.slots.get(1)), "rescanned: the agent's label again");
        assertEquals(List.of(new RecordedLabel(2, "TAPE42")), event(answered, 0, ChangerResult.class).recordedLabels());
    }

    @Test
    void updateWithoutSpecRescansAllAndBadSpecsAreInvalid() {
        Output.Command scan = (Output.Command) op("u", ChangerOp.update, null, null, null, null).get(0);
        assertEquals(DeviceAction.scan, scan.command().action());
        assertEquals(10, event(core.onDeviceResult(lib, scan.commandId(), done(scan), T0), 0, ChangerResult.class).slots().size());
        assertEquals(List.of(1, 2, 3, 9), ChangerSpec.parse("1-3,9").rescan());
        assertEquals(ErrorReason.invalid, denial(op("x", ChangerOp.update, null, "3-1", null, null)).reason());
        assertEquals(ErrorReason.invalid, denial(op("y", ChangerOp.update, null, "11", null, null)).reason());
        assertEquals(ErrorReason.invalid, denial(op("z", ChangerOp.update, null, "12=FOO", null, null)).reason());
    }

    @Test
    void moveTransfersAVolumeAndNothingReservesItMidMotion() {
        // slot 7's volume is in d1, so slot 7 is empty: move 3 -> 7
        Output.Command t = (Output.Command) op("m", ChangerOp.move, null, null, 3, 7).get(0);
        assertEquals(DeviceAction.transfer, t.command().action());
        assertEquals(3, t.command().slot());
        assertEquals(7, t.command().toSlot());
        assertEquals(ErrorReason.volinuse, denial(core.onRequest(lib, "r", ReserveRequest.bySlot("lib1", ALICE, 3), T0)).reason());
        ChangerResult r = event(core.onDeviceResult(lib, t.commandId(), done(t), T0), 0, ChangerResult.class);
        assertEquals(List.of(3, 7), r.slots());
        assertTrue(lib.pendingChanges.isEmpty());
    }

    @Test
    void moveRefusalsAreTyped() {
        assertEquals(ErrorReason.invalid, denial(op("a", ChangerOp.move, null, null, 3, 4)).reason(), "slot 4 is full");
        assertEquals(ErrorReason.invalid, denial(op("b", ChangerOp.move, null, null, 3, 3)).reason());
        assertEquals(ErrorReason.invalid, denial(op("c", ChangerOp.move, null, null, 3, 99)).reason());
        assertEquals(ErrorReason.empty, denial(op("d", ChangerOp.move, null, null, 7, 3)).reason());
        // a reserved volume does not move: slot 2's volume is held (its load still in flight, so the slot is full)
        core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 2), T0);
        DrivebusError e = denial(op("e", ChangerOp.move, null, null, 2, 7));
        assertEquals(ErrorReason.volinuse, e.reason());
        assertEquals(ALICE, e.holder());
    }

    @Test
    void aFailedChangerCommandIsAnsweredWithTheAgentsError() {
        Output.Command t = (Output.Command) op("m", ChangerOp.move, null, null, 3, 7).get(0);
        DeviceCommandResult failed = new DeviceCommandResult("lib1", t.commandId(), "h1", null, DeviceAction.transfer, 0,
                CommandOutcome.failed, DrivebusError.failed(ErrorReason.device, "Storage Element 7 is Already Full"), 3, null, null, null);
        DrivebusError e = event(core.onDeviceResult(lib, t.commandId(), failed, T0), 0,
                io.drivebus.schemas.reservation.ReservationDenied.class).error();
        assertTrue(e.message().contains("Already Full"));
        assertTrue(lib.pendingChanges.isEmpty());
    }
}
