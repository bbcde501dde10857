package io.drivebus.reservation.core;

import static io.drivebus.reservation.core.Fixtures.ALICE;
import static io.drivebus.reservation.core.Fixtures.BOB;
import static io.drivebus.reservation.core.Fixtures.empty;
import static io.drivebus.reservation.core.Fixtures.status;
import static io.drivebus.reservation.core.ReservationCoreTest.denial;
import static io.drivebus.reservation.core.ReservationCoreTest.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.CancelRequest;
import io.drivebus.schemas.reservation.ExpiryKind;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.ReservationCancelled;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationExpired;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Waiting, fairly: no polling, served in priority-then-arrival order, timeouts and cancel. */
class WaitQueueTest {
    static final Instant T0 = ReservationCoreTest.T0;

    ReservationCore core;
    Library lib;

    @BeforeEach
    void setUp() {
        core = new ReservationCore(Fixtures.ids());
        lib = new Library("lib1");
    }

    static ReserveRequest waiting(int slot, Owner owner, Integer priority, long waitMs) {
        return new ReserveRequest("lib1", owner, null, slot, null, null, null, null, null, null, null, null, priority, waitMs, null);
    }

    @Test
    void aRequestThatMayWaitIsQueuedToldItsPositionAndServedOnRelease() {
        core.onStatus(lib, status("lib1", 1, 10, List.of(empty("d0"))), T0);
        Output.Command load = (Output.Command) core.onRequest(lib, "held", ReserveRequest.bySlot("lib1", ALICE, 1), T0).get(1);
        core.onDeviceResult(lib, load.commandId(), Fixtures.loadDone("lib1", load.commandId(), "d0", 1, 1, "held"), T0);
        ReservationQueued q = event(core.onRequest(lib, "w1", waiting(2, BOB, null, 60_000), T0), 0, ReservationQueued.class);
        assertEquals(1, q.position());
        assertEquals(2, event(core.onRequest(lib, "w2", waiting(3, BOB, null, 60_000), T0), 0, ReservationQueued.class).position());

        List<Output> out = core.onRequest(lib, "rel", new ReleaseRequest("lib1", "held", ALICE, null), T0);
        // released, then w1 granted at once (with its load), then w2 told it moved up
        assertTrue(out.stream().anyMatch(o -> o instanceof Output.Event e && e.correlationId().equals("w1")
                && e.event() instanceof ReservationGranted));
        Output.Event moved = out.stream().filter(o -> o instanceof Output.Event e && e.correlationId().equals("w2"))
                .map(o -> (Output.Event) o).findFirst().orElseThrow();
        assertEquals(1, ((ReservationQueued) moved.event()).position());
    }

    @Test
    void withoutAWaitTimeoutABusyLibraryAnswersAtOnce() {
        core.onStatus(lib, status("lib1", 1, 10, List.of(empty("d0"))), T0);
        core.onRequest(lib, "held", ReserveRequest.bySlot("lib1", ALICE, 1), T0);
        assertEquals(ErrorReason.driveinuse, denial(core.onRequest(lib, "r", ReserveRequest.bySlot("lib1", BOB, 2), T0)).reason());
    }

    @Test
    void aWaitThatTimesOutIsAnsweredExpiredAndTheOthersMoveUp() {
        core.onStatus(lib, status("lib1", 1, 10, List.of(empty("d0"))), T0);
        core.onRequest(lib, "held", ReserveRequest.bySlot("lib1", ALICE, 1).withLeaseMs(600_000L), T0);
        core.onRequest(lib, "w1", waiting(2, BOB, null, 1_000), T0);
        core.onRequest(lib, "w2", waiting(3, BOB, null, 60_000), T0);
        assertEquals(T0.plusMillis(1_000), ReservationCore.nextDeadline(lib));
        List<Output> out = core.onTick(lib, T0.plusMillis(1_000));
        ReservationExpired x = event(out, 0, ReservationExpired.class);
        assertEquals(ExpiryKind.wait, x.what());
        assertNull(x.reservationId());
        assertEquals("w1", ((Output.Event) out.get(0)).correlationId());
        assertEquals(1, event(out, 1, ReservationQueued.class).position());
    }

    @Test
    void cancelWithdrawsAWaiterForItsOwnerOnly() {
        core.onStatus(lib, status("lib1", 1, 10, List.of(empty("d0"))), T0);
        core.onRequest(lib, "held", ReserveRequest.bySlot("lib1", ALICE, 1), T0);
        core.onRequest(lib, "w1", waiting(2, BOB, null, 60_000), T0);
        assertEquals(ErrorReason.unauthorized, denial(core.onRequest(lib, "c0", new CancelRequest("lib1", "w1", ALICE), T0)).reason());
        List<Output> out = core.onRequest(lib, "c1", new CancelRequest("lib1", "w1", BOB), T0);
        event(out, 0, ReservationCancelled.class);
        assertEquals("w1", ((Output.Event) out.get(0)).correlationId(), "the withdrawn request gets its one answer");
        assertTrue(lib.queue.isEmpty());
        assertEquals(ErrorReason.notfound, denial(core.onRequest(lib, "c2", new CancelRequest("lib1", "w1", BOB), T0)).reason());
        // nothing is granted to it on release any more
        List<Output> rel = core.onRequest(lib, "rel", new ReleaseRequest("lib1", "held", ALICE, null), T0);
        assertEquals(1, rel.size());
    }

    @Test
    void cancellingAGrantStillLoadingAnswersTheReserveCancelledAndFreesTheDrive() {
        core.onStatus(lib, status("lib1", 1, 10, List.of(empty("d0"))), T0);
        List<Output> granted = core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 2), T0);
        long token = event(granted, 0, ReservationGranted.class).token();
        List<Output> out = core.onRequest(lib, "c1", new CancelRequest("lib1", "r1", ALICE), T0);
        event(out, 0, ReservationCancelled.class);
        assertEquals("r1", ((Output.Event) out.get(0)).correlationId(), "the reserve gets its one final answer");
        assertTrue(lib.reservations.isEmpty());
        assertTrue(lib.drives.get("d0").token > token, "the cancelled grant's token is fenced off");
        // the load's late result is ignored
        Output.Command load = (Output.Command) granted.get(1);
        assertTrue(core.onDeviceResult(lib, load.commandId(), Fixtures.loadDone("lib1", load.commandId(), "d0", token, 2, "r1"), T0)
                .isEmpty());
    }

    @Test
    void cancellingAReadyGrantIsAnsweredAsARelease() {
        core.onStatus(lib, status("lib1", 1, 10, List.of(empty("d0"))), T0);
        Output.Command load = (Output.Command) core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 2), T0).get(1);
        core.onDeviceResult(lib, load.commandId(), Fixtures.loadDone("lib1", load.commandId(), "d0", 1, 2, "r1"), T0);
        List<Output> out = core.onRequest(lib, "c1", new CancelRequest("lib1", "r1", ALICE), T0);
        event(out, 0, io.drivebus.schemas.reservation.ReservationReleased.class);
        assertEquals("c1", ((Output.Event) out.get(0)).correlationId());
        assertTrue(lib.drives.get("d0").isFree());
        assertEquals(ErrorReason.notfound, denial(core.onRequest(lib, "c2", new CancelRequest("lib1", "r1", ALICE), T0)).reason());
    }

    @Test
    void aWaiterForAHeldVolumeGetsItWhenReleasedWithoutMotion() {
        core.onStatus(lib, status("lib1", 1, 10, List.of(empty("d0"), empty("d1"))), T0);
        List<Output> first = core.onRequest(lib, "held", ReserveRequest.bySlot("lib1", ALICE, 4), T0);
        Output.Command load = (Output.Command) first.get(1);
        core.onDeviceResult(lib, load.commandId(), Fixtures.loadDone("lib1", load.commandId(), "d0", 1, 4, "held"), T0);
        event(core.onRequest(lib, "w", waiting(4, BOB, null, 60_000), T0), 0, ReservationQueued.class);
        List<Output> out = core.onRequest(lib, "rel", new ReleaseRequest("lib1", "held", ALICE, null), T0);
        ReservationGranted g = out.stream().filter(o -> o instanceof Output.Event e && e.event() instanceof ReservationGranted)
                .map(o -> (ReservationGranted) ((Output.Event) o).event()).findFirst().orElseThrow();
        assertEquals("d0", g.drive());
        assertEquals(false, g.motion());
    }

    @Test
    void aWaiterWhoseSlotEmptiesIsAnsweredNotLeftWaiting() {
        core.onStatus(lib, status("lib1", 1, 3, List.of(empty("d0"))), T0);
        core.onRequest(lib, "held", ReserveRequest.bySlot("lib1", ALICE, 1), T0);
        core.onRequest(lib, "w", waiting(3, BOB, null, 60_000), T0);
        // slot 3 is taken out of the library by an operator: the next status shows it empty
        List<SlotStatus> slots = List.of(new SlotStatus(1, SlotState.FULL, "VOL001", null, false),
                new SlotStatus(2, SlotState.FULL, "VOL002", null, false), new SlotStatus(3, SlotState.EMPTY, null, null, false));
        List<Output> out = core.onStatus(lib, new LibraryStatus("lib1", "h1", "vtape", "t", true, List.of(empty("d0")), slots, 2, 5000),
                T0);
        // answered as soon as the status shows it can never be served, not when a drive frees up
        ReservationDenied d = event(out, 0, ReservationDenied.class);
        assertEquals("w", ((Output.Event) out.get(0)).correlationId());
        assertEquals(ErrorReason.empty, d.error().reason());
        assertTrue(lib.queue.isEmpty());
    }

    /** Issue 3's burst: 200 jobs on 4 drives are served in queue order, none overtaken within its priority. */
    @Test
    void aBurstOf200JobsOn4DrivesIsServedInPriorityThenArrivalOrder() {
        List<DriveStatus> drives = List.of(empty("d0"), empty("d1"), empty("d2"), empty("d3"));
        core.onStatus(lib, status("lib1", 1, 200, drives), T0);
        Map<String, Integer> priorityOf = new java.util.HashMap<>();
        List<String> grantOrder = new ArrayList<>();
        Deque<String> holding = new ArrayDeque<>();
        Instant now = T0;
        for (int i = 1; i <= 200; i++) {
            int prio = i % 10 == 0 ? 1 : 10; // every tenth job is urgent
            String id = "job" + i;
            priorityOf.put(id, prio);
            collect(core.onRequest(lib, id, waiting(i, new Owner(id, "s"), prio, 3_600_000), now), grantOrder, holding);
        }
        assertEquals(4, grantOrder.size());
        assertEquals(196, lib.queue.size());
        while (!holding.isEmpty()) {
            String done = holding.poll();
            now = now.plusMillis(10);
            collect(core.onRequest(lib, "rel-" + done, new ReleaseRequest("lib1", done, new Owner(done, "s"), null), now), grantOrder,
                    holding);
        }
        assertEquals(200, grantOrder.size(), "every job served");
        List<String> waited = grantOrder.subList(4, 200);
        List<String> urgent = waited.stream().filter(j -> priorityOf.get(j) == 1).collect(Collectors.toList());
        assertEquals(waited.subList(0, urgent.size()), urgent, "urgent jobs first");
        for (int p : new int[] {1, 10}) {
            List<Integer> arrival = waited.stream().filter(j -> priorityOf.get(j) == p).map(j -> Integer.parseInt(j.substring(3))).toList();
            List<Integer> sorted = new ArrayList<>(arrival);
            sorted.sort(null);
            assertEquals(sorted, arrival, "no job overtaken by a later one of priority " + p);
        }
    }

    /** Grants complete their loads at once (the agent's answer), so the drive is ready to be released later. */
    private void collect(List<Output> out, List<String> grantOrder, Deque<String> holding) {
        for (Output o : out) {
            if (o instanceof Output.Command c && c.command().action() == io.drivebus.schemas.device.DeviceAction.load) {
                DeviceCommand cmd = c.command();
                List<Output> done = core.onDeviceResult(lib, c.commandId(),
                        Fixtures.loadDone("lib1", c.commandId(), cmd.drive(), cmd.token(), cmd.slot(), cmd.reservationId()), T0);
                event(done, 0, ReservationReady.class);
                grantOrder.add(cmd.reservationId());
                holding.add(cmd.reservationId());
            }
        }
    }

    @Test
    void aLoadWhoseResultWasLostIsConfirmedFromTheAgentsStatus() {
        core.onStatus(lib, status("lib1", 1, 10, List.of(empty("d0"))), T0);
        List<Output> out = core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 5), T0);
        long token = event(out, 0, ReservationGranted.class).token();
        // the agent restarted after the load: its status shows the volume in the drive and the token accepted
        DriveStatus after = new DriveStatus("d0", "/dev/d0", DriveState.loaded, "LTO-8", "VOL005", "VOL005L8", 5, null, token);
        List<Output> rec = core.onStatus(lib, status("lib1", 2, 10, List.of(after)), T0);
        ReservationReady ready = event(rec, 0, ReservationReady.class);
        assertEquals("r1", ((Output.Event) rec.get(0)).correlationId());
        assertEquals(token, ready.token());
        assertNull(lib.drives.get("d0").pendingCommandId);
    }

    @Test
    void aStatusFromBeforeTheAgentTookTheCommandConfirmsNothing() {
        core.onStatus(lib, status("lib1", 1, 10, List.of(empty("d0"))), T0);
        core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 5), T0);
        DriveStatus before = new DriveStatus("d0", "/dev/d0", DriveState.loaded, "LTO-8", "VOL005", "VOL005L8", 5, null, 0);
        assertTrue(core.onStatus(lib, status("lib1", 2, 10, List.of(before)), T0).isEmpty());
        assertTrue(lib.drives.get("d0").pendingCommandId != null);
    }
}
