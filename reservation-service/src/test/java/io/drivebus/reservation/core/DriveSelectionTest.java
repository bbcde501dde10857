package io.drivebus.reservation.core;

import static io.drivebus.reservation.core.Fixtures.ALICE;
import static io.drivebus.reservation.core.Fixtures.BOB;
import static io.drivebus.reservation.core.ReservationCoreTest.denial;
import static io.drivebus.reservation.core.ReservationCoreTest.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.AccessMode;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bareos' drive selection: the wanted volume's drive, a mounted appendable volume of the pool, least used, any. */
class DriveSelectionTest {
    static final Instant T0 = ReservationCoreTest.T0;

    ReservationCore core;
    Library lib;

    @BeforeEach
    void setUp() {
        core = new ReservationCore(Fixtures.ids());
        lib = new Library("lib1");
    }

    /** Slots 1-4 hold pool Full volumes F1..F4, 5-6 pool Copy C5, C6; drives as given. */
    void status(long seq, DriveStatus... drives) {
        List<SlotStatus> slots = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            int n = i;
            boolean inDrive = List.of(drives).stream().anyMatch(d -> Integer.valueOf(n).equals(d.sourceSlot()));
            String pool = i <= 4 ? "Full" : "Copy";
            String label = (i <= 4 ? "F" : "C") + i;
            slots.add(inDrive ? new SlotStatus(i, SlotState.EMPTY, null, null, false)
                    : new SlotStatus(i, SlotState.FULL, label, null, false, pool, true));
        }
        core.onStatus(lib, new LibraryStatus("lib1", "h1", "vtape", "t", true, List.of(drives), slots, seq, 5000), T0);
    }

    static DriveStatus drive(String id, String media, Integer slot, String pool, boolean autoselect, int maxJobs) {
        String label = slot == null ? null : (slot <= 4 ? "F" : "C") + slot;
        return new DriveStatus(id, "/dev/" + id, slot == null ? DriveState.empty : DriveState.loaded, media, label, null, slot, null, 0,
                autoselect, maxJobs, pool, slot == null ? null : true);
    }

    static ReserveRequest append(Owner o, String pool, String media) {
        return new ReserveRequest("lib1", o, null, null, null, null, null, null, AccessMode.append, media, pool, null, null, null, null);
    }

    ReservationGranted granted(String id, ReserveRequest r) {
        return event(core.onRequest(lib, id, r, T0), 0, ReservationGranted.class);
    }

    @Test
    void anAppendPrefersADriveWithAMountedAppendableVolumeOfThePool() {
        status(1, drive("d0", "LTO-8", null, null, true, 1), drive("d1", "LTO-8", 2, "Full", true, 1));
        ReservationGranted g = granted("a", append(ALICE, "Full", null));
        assertEquals("d1", g.drive());
        assertEquals("F2", g.label());
        assertFalse(g.motion());
    }

    @Test
    void otherwiseItLoadsAVolumeOfThePoolIntoAFreeDriveEmptyFirst() {
        status(1, drive("d0", "LTO-8", 5, "Copy", true, 1), drive("d1", "LTO-8", null, null, true, 1));
        ReservationGranted g = granted("a", append(ALICE, "Full", null));
        assertEquals("d1", g.drive());
        assertTrue(g.motion());
        assertEquals("F1", g.label());
        assertEquals(ErrorReason.notfound, denial(core.onRequest(lib, "b", append(BOB, "Archive", null), T0)).reason());
    }

    @Test
    void appendsShareADriveUpToItsLimitAndTheLeastUsedDriveIsChosen() {
        status(1, drive("d0", "LTO-8", 1, "Full", true, 2), drive("d1", "LTO-8", 2, "Full", true, 2));
        ReservationGranted a = granted("a", append(ALICE, "Full", null));
        ReservationGranted b = granted("b", append(BOB, "Full", null));
        assertTrue(!a.drive().equals(b.drive()), "least used: the second append takes the idle drive, not a share");
        ReservationGranted c = granted("c", append(new Owner("carol", "s"), "Full", null));
        assertFalse(c.motion());
        ReservationGranted d = granted("d", append(new Owner("dave", "s"), "Full", null));
        assertTrue(!c.drive().equals(d.drive()), "the two shares spread over both drives");
        assertEquals(2, lib.drives.get("d0").holders.size());
        assertEquals(2, lib.drives.get("d1").holders.size());
        assertEquals(ErrorReason.driveinuse, denial(core.onRequest(lib, "e", append(new Owner("eve", "s"), "Full", null), T0)).reason(),
                "both drives at maxConcurrentJobs and no free drive");
        assertTrue(c.token() > a.token() || c.token() > b.token(), "every grant, shared or not, has a new token");
    }

    @Test
    void aReadHoldsItsVolumeExclusivelyEvenAgainstAppends() {
        status(1, drive("d0", "LTO-8", 2, "Full", true, 4), drive("d1", "LTO-8", null, null, true, 1));
        ReserveRequest read = new ReserveRequest("lib1", ALICE, null, null, "F2", null, null, null, AccessMode.read, null, null, null, null, null,
                null);
        assertEquals("d0", granted("r", read).drive());
        // the append must not join the read: it loads another Full volume into d1 instead
        ReservationGranted g = granted("a", append(BOB, "Full", null));
        assertEquals("d1", g.drive());
        assertTrue(g.motion());
        ReserveRequest appendToF2 = new ReserveRequest("lib1", BOB, null, null, "F2", null, null, null, AccessMode.append, null, "Full", null,
                null, null, null);
        assertEquals(ErrorReason.volinuse, denial(core.onRequest(lib, "x", appendToF2, T0)).reason());
    }

    @Test
    void aDriveExcludedFromAutoselectIsOnlyUsedForTheVolumeItHolds() {
        status(1, drive("d0", "LTO-8", null, null, false, 1), drive("d1", "LTO-8", 3, "Full", false, 1));
        assertEquals(ErrorReason.driveinuse, denial(core.onRequest(lib, "a", ReserveRequest.bySlot("lib1", ALICE, 1), T0)).reason());
        ReservationGranted g = granted("b", ReserveRequest.byLabel("lib1", ALICE, "F3"));
        assertEquals("d1", g.drive());
        assertFalse(g.motion());
    }

    @Test
    void onlyDrivesOfTheWantedMediaTypeServe() {
        status(1, drive("d0", "LTO-8", null, null, true, 1), drive("d1", "LTO-9", null, null, true, 1));
        assertEquals("d1", granted("a", append(ALICE, "Full", "LTO-9")).drive());
        DrivebusErrorAssert.reason(ErrorReason.driveinuse, denial(core.onRequest(lib, "b", append(BOB, "Full", "LTO-9"), T0)), "LTO-9");
    }

    @Test
    void malformedWantsAreInvalid() {
        status(1, drive("d0", "LTO-8", null, null, true, 1));
        assertEquals(ErrorReason.invalid, denial(core.onRequest(lib, "a", append(ALICE, null, null), T0)).reason());
        ReserveRequest readNothing = new ReserveRequest("lib1", ALICE, null, null, null, null, null, null, AccessMode.read, null, null, null,
                null, null, null);
        assertEquals(ErrorReason.invalid, denial(core.onRequest(lib, "b", readNothing, T0)).reason());
    }

    @Test
    void aRequestThisLibraryCannotServeIsForwardedToTheNextCandidateUnderTheSameId() {
        status(1, drive("d0", "LTO-8", null, null, true, 1));
        granted("held", ReserveRequest.bySlot("lib1", ALICE, 1));
        ReserveRequest r = new ReserveRequest("lib1", BOB, "job", 2, null, null, null, null, null, null, null, List.of("lib2", "lib3"), null,
                null, null);
        List<Output> out = core.onRequest(lib, "req", r, T0);
        Output.Forward f = assertInstanceOf(Output.Forward.class, out.get(0));
        assertEquals("req", f.requestId());
        assertEquals("lib2", f.request().library());
        assertEquals(List.of("lib3"), f.request().candidates());
        assertEquals(2, f.request().slot());
        // the last candidate answers itself
        ReserveRequest last = new ReserveRequest("lib1", BOB, null, 2, null, null, null, null, null, null, null, null, null, null, null);
        assertEquals(ErrorReason.driveinuse, denial(core.onRequest(lib, "req2", last, T0)).reason());
    }

    /** Small helper: a typed error with its reason and a word in its message. */
    static final class DrivebusErrorAssert {
        static void reason(ErrorReason expected, io.drivebus.schemas.DrivebusError e, String mentions) {
            assertEquals(expected, e.reason());
            assertTrue(e.message().contains(mentions), e.message());
        }
    }
}
