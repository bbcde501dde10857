package io.drivebus.reservation.core;

import static io.drivebus.reservation.core.Fixtures.ALICE;
import static io.drivebus.reservation.core.Fixtures.BOB;
import static io.drivebus.reservation.core.Fixtures.empty;
import static io.drivebus.reservation.core.Fixtures.loaded;
import static io.drivebus.reservation.core.Fixtures.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.ErrorKind;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.reservation.BreakRequest;
import io.drivebus.schemas.reservation.BreakScope;
import io.drivebus.schemas.reservation.ExpiryKind;
import io.drivebus.schemas.reservation.LeaseRenewed;
import io.drivebus.schemas.reservation.Relative;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.RenewRequest;
import io.drivebus.schemas.reservation.ReservationBroken;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationExpired;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReservationCoreTest {
    static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    ReservationCore core;
    Library lib;

    @BeforeEach
    void setUp() {
        core = new ReservationCore(Fixtures.ids());
        lib = new Library("lib1");
        core.onStatus(lib, status("lib1", 1, 10, List.of(empty("d0"), empty("d1"))), T0);
    }

    @Test
    void reserveBySlotGrantsAFreeDriveUnderANewTokenAndCommandsTheLoad() {
        List<Output> out = core.onRequest(lib, "req1", ReserveRequest.bySlot("lib1", ALICE, 3), T0);
        ReservationGranted g = event(out, 0, ReservationGranted.class);
        assertEquals("req1", g.reservationId());
        assertEquals("d0", g.drive());
        assertEquals(3, g.slot());
        assertEquals("VOL003", g.label());
        assertEquals(1, g.token());
        assertTrue(g.motion());
        DeviceCommand load = command(out, 1);
        assertEquals(DeviceAction.load, load.action());
        assertEquals("h1", load.host());
        assertEquals(1, load.token());
        assertEquals(3, load.slot());
        assertEquals("VOL003", load.expectedLabel());
        assertEquals(g.leaseExpiresAt(), T0.plus(ReservationCore.DEFAULT_LEASE));
    }

    @Test
    void loadDoneMakesTheReservationReadyAnsweringTheOriginalRequest() {
        List<Output> out = core.onRequest(lib, "req1", ReserveRequest.bySlot("lib1", ALICE, 3), T0);
        Output.Command cmd = (Output.Command) out.get(1);
        List<Output> done = core.onDeviceResult(lib, cmd.commandId(), Fixtures.loadDone("lib1", cmd.commandId(), "d0", 1, 3, "req1"), T0);
        ReservationReady r = event(done, 0, ReservationReady.class);
        assertEquals("req1", ((Output.Event) done.get(0)).correlationId());
        assertEquals("/dev/d0", r.devicePath());
        assertEquals("VOL003", r.label());
        assertEquals(1, r.token());
        // a duplicate result changes nothing and answers nothing
        assertTrue(core.onDeviceResult(lib, cmd.commandId(), Fixtures.loadDone("lib1", cmd.commandId(), "d0", 1, 3, "req1"), T0).isEmpty());
    }

    @Test
    void aHeldVolumeIsRefusedWithVolinuseNamingSlotAndHolder() {
        core.onRequest(lib, "req1", ReserveRequest.bySlot("lib1", ALICE, 3), T0);
        DrivebusError e = denial(core.onRequest(lib, "req2", ReserveRequest.bySlot("lib1", BOB, 3), T0));
        assertEquals(ErrorReason.volinuse, e.reason());
        assertEquals(ErrorKind.failed, e.kind());
        assertEquals(3, e.slot());
        assertEquals(ALICE, e.holder());
        assertEquals("req1", e.holderReservationId());
        assertEquals("d0", e.drive());
        // the same volume asked for by label is just as busy
        assertEquals(ErrorReason.volinuse, denial(core.onRequest(lib, "req3", ReserveRequest.byLabel("lib1", BOB, "VOL003"), T0)).reason());
    }

    @Test
    void onlyTheOwnerReleases() {
        core.onRequest(lib, "req1", ReserveRequest.bySlot("lib1", ALICE, 3), T0);
        DrivebusError e = denial(core.onRequest(lib, "rel1", new ReleaseRequest("lib1", "req1", BOB, null), T0));
        assertEquals(ErrorReason.unauthorized, e.reason());
        assertEquals(ALICE, e.holder());
        // same key on another site is another owner
        assertEquals(ErrorReason.unauthorized,
                denial(core.onRequest(lib, "rel2", new ReleaseRequest("lib1", "req1", new Owner("alice", "elsewhere"), null), T0)).reason());
        List<Output> out = core.onRequest(lib, "rel3", new ReleaseRequest("lib1", "req1", ALICE, null), T0);
        ReservationReleased r = event(out, 0, ReservationReleased.class);
        assertEquals("d0", r.drive());
        assertNull(lib.drives.get("d0").reservationId());
        assertEquals(ErrorReason.notfound, denial(core.onRequest(lib, "rel4", new ReleaseRequest("lib1", "req1", ALICE, null), T0)).reason());
    }

    @Test
    void releaseWithUnloadCommandsTheUnloadUnderTheSameToken() {
        List<Output> out = core.onRequest(lib, "req1", ReserveRequest.bySlot("lib1", ALICE, 3), T0);
        String loadId = ((Output.Command) out.get(1)).commandId();
        core.onDeviceResult(lib, loadId, Fixtures.loadDone("lib1", loadId, "d0", 1, 3, "req1"), T0);
        List<Output> rel = core.onRequest(lib, "rel1", new ReleaseRequest("lib1", "req1", ALICE, true), T0);
        DeviceCommand unload = command(rel, 1);
        assertEquals(DeviceAction.unload, unload.action());
        assertEquals(1, unload.token());
        // until the unload is done the drive is not granted
        DrivebusError e = denial(core.onRequest(lib, "req2", ReserveRequest.bySlot("lib1", BOB, 3), T0));
        assertEquals(ErrorReason.driveinuse, e.reason());
    }

    @Test
    void aVolumeAlreadyInADriveIsGrantedWithoutMotionUnderAHigherToken() {
        List<Output> out = core.onRequest(lib, "req1", ReserveRequest.bySlot("lib1", ALICE, 3), T0);
        String loadId = ((Output.Command) out.get(1)).commandId();
        core.onDeviceResult(lib, loadId, Fixtures.loadDone("lib1", loadId, "d0", 1, 3, "req1"), T0);
        core.onRequest(lib, "rel", new ReleaseRequest("lib1", "req1", ALICE, null), T0);
        List<Output> again = core.onRequest(lib, "req2", ReserveRequest.byLabel("lib1", BOB, "VOL003"), T0);
        ReservationGranted g = event(again, 0, ReservationGranted.class);
        assertFalse(g.motion());
        assertEquals("d0", g.drive());
        assertEquals(2, g.token());
        assertEquals(3, g.slot());
        assertEquals(2, again.size(), "granted and ready, no command");
        event(again, 1, ReservationReady.class);
    }

    @Test
    void tokensStrictlyIncreaseAndNeverGoBelowWhatTheAgentHasSeen() {
        // the agent reports token 41 (say our state was rebuilt from an older changelog)
        core.onStatus(lib, status("lib1", 2, 10, List.of(new io.drivebus.schemas.device.DriveStatus("d0", "/dev/d0",
                io.drivebus.schemas.device.DriveState.empty, null, null, null, null, null, 41), empty("d1"))), T0);
        ReservationGranted g = event(core.onRequest(lib, "req1", ReserveRequest.bySlot("lib1", ALICE, 3), T0), 0, ReservationGranted.class);
        assertEquals(42, g.token());
    }

    @Test
    void badTargetsGetTypedErrors() {
        assertEquals(ErrorReason.invalid, denial(core.onRequest(lib, "a", ReserveRequest.bySlot("lib1", ALICE, 99), T0)).reason());
        assertEquals(ErrorReason.notfound, denial(core.onRequest(lib, "b", ReserveRequest.byLabel("lib1", ALICE, "NOPE"), T0)).reason());
        core.onStatus(lib, status("lib1", 2, 10, List.of(loaded("d0", 4), empty("d1"))), T0);
        // slot 4's volume is in d0: the slot is empty but the volume is reservable through it
        assertFalse(event(core.onRequest(lib, "c", ReserveRequest.bySlot("lib1", ALICE, 4), T0), 0, ReservationGranted.class).motion());
        Library unknown = new Library("nolib");
        DrivebusError e = denial(core.onRequest(unknown, "d", ReserveRequest.bySlot("nolib", ALICE, 1), T0));
        assertEquals(ErrorKind.fatal, e.kind());
        assertEquals(ErrorReason.notfound, e.reason());
    }

    @Test
    void anEmptySlotIsRefusedAsEmpty() {
        Library l = new Library("lib2");
        core.onStatus(l, new io.drivebus.schemas.device.LibraryStatus("lib2", "h1", "vtape", "t", true, List.of(empty("d0")),
                List.of(new io.drivebus.schemas.device.SlotStatus(1, io.drivebus.schemas.device.SlotState.EMPTY, null, null, false)), 1, 5000), T0);
        assertEquals(ErrorReason.empty, denial(core.onRequest(l, "a", ReserveRequest.bySlot("lib2", ALICE, 1), T0)).reason());
    }

    @Test
    void whenEveryDriveIsHeldTheAnswerIsDriveinuse() {
        core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 1), T0);
        core.onRequest(lib, "r2", ReserveRequest.bySlot("lib1", ALICE, 2), T0);
        assertEquals(ErrorReason.driveinuse, denial(core.onRequest(lib, "r3", ReserveRequest.bySlot("lib1", BOB, 3), T0)).reason());
    }

    @Test
    void aSilentAgentsDrivesAreNotGranted() {
        Instant later = T0.plusMillis(5000L * ReservationCore.MISSED_HEARTBEATS_OFFLINE + 1);
        assertEquals(ErrorReason.driveinuse, denial(core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 1), later)).reason());
        core.onStatus(lib, status("lib1", 2, 10, List.of(empty("d0"), empty("d1"))), later);
        event(core.onRequest(lib, "r2", ReserveRequest.bySlot("lib1", ALICE, 1), later), 0, ReservationGranted.class);
    }

    @Test
    void aStaleStatusIsIgnored() {
        core.onStatus(lib, status("lib1", 5, 10, List.of(loaded("d0", 2), empty("d1"))), T0);
        core.onStatus(lib, status("lib1", 4, 10, List.of(empty("d0"), empty("d1"))), T0);
        assertEquals("VOL002", lib.drives.get("d0").label);
    }

    @Test
    void aLapsedLeaseIsExpiredTheDriveFreedAndItsTokenMovedOn() {
        core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 1).withLeaseMs(1000L), T0);
        assertTrue(core.onTick(lib, T0.plusMillis(999)).isEmpty());
        assertEquals(T0.plusMillis(1000), ReservationCore.nextDeadline(lib));
        List<Output> out = core.onTick(lib, T0.plusMillis(1000));
        ReservationExpired x = event(out, 0, ReservationExpired.class);
        assertEquals(ExpiryKind.lease, x.what());
        assertEquals("r1", ((Output.Event) out.get(0)).correlationId());
        assertNull(lib.drives.get("d0").reservationId());
        assertEquals(2, lib.drives.get("d0").token, "expiry fences off the old holder");
        assertNull(ReservationCore.nextDeadline(lib));
    }

    @Test
    void withUnloadOnExpiryALapsedHoldersVolumeGoesBackUnderTheMovedOnToken() {
        ReservationCore unloading = new ReservationCore(Fixtures.ids(), true);
        Library l = new Library("lib1");
        unloading.onStatus(l, status("lib1", 1, 10, List.of(empty("d0"))), T0);
        Output.Command load = (Output.Command) unloading.onRequest(l, "r1", ReserveRequest.bySlot("lib1", ALICE, 1).withLeaseMs(1000L), T0)
                .get(1);
        unloading.onDeviceResult(l, load.commandId(), Fixtures.loadDone("lib1", load.commandId(), "d0", 1, 1, "r1"), T0);
        List<Output> out = unloading.onTick(l, T0.plusMillis(1000));
        event(out, 0, ReservationExpired.class);
        DeviceCommand unload = command(out, 1);
        assertEquals(DeviceAction.unload, unload.action());
        assertEquals(2, unload.token(), "the expired holder's token 1 is already fenced off");
        // without the option the volume stays in the drive (Amanda-like)
        core.onRequest(lib, "r2", ReserveRequest.bySlot("lib1", ALICE, 1).withLeaseMs(1000L), T0);
        assertEquals(1, core.onTick(lib, T0.plusMillis(1000)).size());
    }

    @Test
    void renewExtendsTheLeaseForTheOwnerOnly() {
        core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 1).withLeaseMs(1000L), T0);
        assertEquals(ErrorReason.unauthorized, denial(core.onRequest(lib, "n0", new RenewRequest("lib1", "r1", BOB, null), T0)).reason());
        LeaseRenewed r = event(core.onRequest(lib, "n1", new RenewRequest("lib1", "r1", ALICE, null), T0.plusMillis(900)), 0, LeaseRenewed.class);
        assertEquals(T0.plusMillis(1900), r.leaseExpiresAt());
        assertTrue(core.onTick(lib, T0.plusMillis(1500)).isEmpty());
    }

    @Test
    void breakNeedsRightsCoveringTheHolder() {
        core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 1), T0);
        Owner opElsewhere = new Owner("op", "other-site");
        assertEquals(ErrorReason.unauthorized, denial(core.onRequest(lib, "b1",
                new BreakRequest("lib1", "r1", opElsewhere, BreakScope.site, "stuck"), T0)).reason());
        Owner opSameSite = new Owner("op", ALICE.site());
        ReservationBroken b = event(core.onRequest(lib, "b2", new BreakRequest("lib1", "r1", opSameSite, BreakScope.site, "stuck"), T0),
                0, ReservationBroken.class);
        assertEquals(ALICE, b.owner());
        assertEquals(opSameSite, b.operator());
        assertEquals("stuck", b.reason());
        assertEquals(2, lib.drives.get("d0").token);
        core.onRequest(lib, "r2", ReserveRequest.bySlot("lib1", ALICE, 2), T0);
        event(core.onRequest(lib, "b3", new BreakRequest("lib1", "r2", opElsewhere, BreakScope.any, "maintenance"), T0), 0,
                ReservationBroken.class);
    }

    @Test
    void aFailedLoadDeniesTheRequestAndFreesTheDrive() {
        List<Output> out = core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 1), T0);
        String id = ((Output.Command) out.get(1)).commandId();
        List<Output> failed = core.onDeviceResult(lib, id, new DeviceCommandResult("lib1", id, "h1", "d0", DeviceAction.load, 1,
                CommandOutcome.failed, DrivebusError.failed(ErrorReason.device, "Source Element Address 1 is Empty"), 1, null, null, "r1"), T0);
        DrivebusError e = event(failed, 0, ReservationDenied.class).error();
        assertEquals(ErrorReason.device, e.reason());
        assertTrue(e.message().contains("Source Element"));
        assertTrue(lib.reservations.isEmpty());
        assertTrue(lib.drives.get("d0").isFree());
    }

    @Test
    void currentAndNextFollowAmandasRelativeSlots() {
        ReserveRequest next = new ReserveRequest("lib1", ALICE, null, null, null, Relative.next, List.of(), true, null, null, null, null,
                null, null, null);
        assertEquals(2, event(core.onRequest(lib, "n1", next, T0), 0, ReservationGranted.class).slot());
        assertEquals(2, lib.currentSlot());
        lib.currentSlot = 10;
        Library l = lib;
        core.onRequest(l, "rel", new ReleaseRequest("lib1", "n1", ALICE, null), T0);
        assertEquals(1, event(core.onRequest(lib, "n2", next, T0), 0, ReservationGranted.class).slot(), "next wraps to the first slot");
        ReserveRequest exceptAll = new ReserveRequest("lib1", BOB, null, null, null, Relative.next,
                List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), null, null, null, null, null, null, null, null);
        assertEquals(ErrorReason.notfound, denial(core.onRequest(lib, "n3", exceptAll, T0)).reason());
    }

    // ---------------------------------------------------------------- helpers

    static <T extends ReservationEvent> T event(List<Output> out, int i, Class<T> type) {
        Output o = out.get(i);
        assertInstanceOf(Output.Event.class, o);
        return assertInstanceOf(type, ((Output.Event) o).event());
    }

    static DeviceCommand command(List<Output> out, int i) {
        return assertInstanceOf(Output.Command.class, out.get(i)).command();
    }

    static DrivebusError denial(List<Output> out) {
        assertEquals(1, out.size(), out.toString());
        return event(out, 0, ReservationDenied.class).error();
    }

    static Duration ms(long n) {
        return Duration.ofMillis(n);
    }
}
