package io.drivebus.reservation.core;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.BreakRequest;
import io.drivebus.schemas.reservation.BreakScope;
import io.drivebus.schemas.reservation.CancelRequest;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.ExpiryKind;
import io.drivebus.schemas.reservation.LeaseRenewed;
import io.drivebus.schemas.reservation.Relative;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.RenewRequest;
import io.drivebus.schemas.reservation.ReservationBroken;
import io.drivebus.schemas.reservation.ReservationCancelled;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationExpired;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ReservationRequest;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The reservation rules of one library. Plain Java, no I/O: given the library's state and one input (a
 * request, an agent's status or command result, or the passing of time), it changes the state and says what to
 * send. The Kafka Streams adapter feeds it one library's inputs in partition order and commits state and
 * outputs atomically.
 */
public final class ReservationCore {

    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);
    /** An agent that misses this many heartbeats is taken as gone: its drives are not granted. */
    static final int MISSED_HEARTBEATS_OFFLINE = 3;

    private final Supplier<String> ids;

    /** @param ids makes command and event ids (random UUIDs in production, predictable in tests) */
    public ReservationCore(Supplier<String> ids) {
        this.ids = ids;
    }

    // ---------------------------------------------------------------- requests

    public List<Output> onRequest(Library lib, String requestId, ReservationRequest request, Instant now) {
        List<Output> out = new ArrayList<>();
        if (!lib.isKnown()) {
            deny(out, lib, requestId, null, ownerOf(request),
                    DrivebusError.fatal(ErrorReason.notfound, "unknown library '" + lib.id + "': no agent has reported it"));
            return out;
        }
        if (request instanceof ReserveRequest r) {
            reserve(lib, requestId, r, now, out);
        } else if (request instanceof ReleaseRequest r) {
            release(lib, requestId, r, now, out);
        } else if (request instanceof RenewRequest r) {
            renew(lib, requestId, r, now, out);
        } else if (request instanceof BreakRequest r) {
            breakReservation(lib, requestId, r, now, out);
        } else if (request instanceof CancelRequest r) {
            cancel(lib, requestId, r, now, out);
        } else if (request instanceof ChangerRequest r) {
            changer(lib, requestId, r, now, out);
        }
        return out;
    }

    private void reserve(Library lib, String requestId, ReserveRequest req, Instant now, List<Output> out) {
        DrivebusError refused = tryGrant(lib, requestId, req, now, out);
        if (refused == null) {
            return;
        }
        if (mayWait(req, refused)) {
            Waiter w = new Waiter(requestId, req, lib.arrivals++, now.plusMillis(req.waitTimeoutMs()));
            int at = 0;
            while (at < lib.queue.size() && WaitQueue.ORDER.compare(lib.queue.get(at), w) <= 0) {
                at++;
            }
            lib.queue.add(at, w);
            tellPositions(lib, out);
            return;
        }
        deny(out, lib, requestId, null, req.owner(), refused);
    }

    /** Only a request that asked to wait, and only for something that a release can free, waits. */
    private static boolean mayWait(ReserveRequest req, DrivebusError why) {
        return req.waitTimeoutMs() != null && req.waitTimeoutMs() > 0
                && (why.reason() == ErrorReason.driveinuse || why.reason() == ErrorReason.volinuse);
    }

    /** Grants if it can, adding the grant's outputs; otherwise adds nothing and says why not. */
    private DrivebusError tryGrant(Library lib, String requestId, ReserveRequest req, Instant now, List<Output> out) {
        VolumeLocation vol;
        try {
            vol = locate(lib, req).orElse(null);
        } catch (Denial d) {
            return d.error;
        }
        if (vol == null) {
            return DrivebusError.failed(ErrorReason.notimpl, "a reserve must name a slot, a label or current/next");
        }
        if (vol.slot != null && slotInMotion(lib, vol.slot)) {
            return DrivebusError.failed(ErrorReason.volinuse, "slot " + vol.slot + " of library " + lib.id + " is being moved");
        }
        Reservation holder = holderOf(lib, vol);
        if (holder != null) {
            return DrivebusError.volumeInUse(holder.slot == null ? vol.slot : holder.slot, holder.drive, holder.owner, holder.id,
                    "volume " + describe(vol) + " is in use by " + holder.owner + " (reservation " + holder.id + ", drive "
                            + holder.drive + ")");
        }
        Drive drive = vol.drive != null ? vol.drive : chooseDrive(lib);
        if (drive == null || !drive.isFree() || !drive.isUsable() || !agentAlive(lib, now)) {
            return DrivebusError.failed(ErrorReason.driveinuse, drive == null || !agentAlive(lib, now)
                    ? "no drive of library " + lib.id + " is free"
                    : "drive " + drive.id + " holding " + describe(vol) + " is busy");
        }
        long leaseMs = req.leaseMs() != null ? req.leaseMs() : DEFAULT_LEASE.toMillis();
        Reservation r = new Reservation();
        r.id = requestId;
        r.owner = req.owner();
        r.job = req.job();
        r.drive = drive.id;
        r.slot = vol.slot;
        r.label = vol.label;
        r.token = drive.nextToken();
        r.leaseMs = leaseMs;
        r.leaseExpiresAt = now.plusMillis(leaseMs);
        drive.reservationId = r.id;
        lib.reservations.put(r.id, r);
        if (Boolean.TRUE.equals(req.setCurrent()) && vol.slot != null) {
            lib.currentSlot = vol.slot;
        }
        boolean motion = vol.drive == null;
        emit(out, lib, requestId, new ReservationGranted(lib.id, r.id, r.owner, r.job, drive.id, lib.host, drive.devicePath,
                r.slot, r.label, r.token, r.leaseExpiresAt, motion));
        if (motion) {
            String commandId = ids.get();
            drive.pendingCommandId = commandId;
            drive.pendingToken = r.token;
            out.add(new Output.Command(commandId, requestId,
                    DeviceCommand.load(lib.id, lib.host, drive.id, r.token, vol.slot, vol.label, r.id)));
        } else {
            r.ready = true;
            emitReady(out, lib, r, drive);
        }
        return null;
    }

    /**
     * Serves waiters in queue order after anything was freed. A waiter is passed over only while what it needs is
     * unavailable, so it never loses a drive or volume it could use to a later waiter; one that can no longer be
     * served at all (its slot emptied, say) is answered with the reason.
     */
    private void serveQueue(Library lib, Instant now, List<Output> out) {
        if (lib.queue.isEmpty()) {
            return;
        }
        boolean changed = false;
        for (Iterator<Waiter> it = lib.queue.iterator(); it.hasNext();) {
            Waiter w = it.next();
            DrivebusError refused = tryGrant(lib, w.requestId, w.request, now, out);
            if (refused == null) {
                it.remove();
                changed = true;
            } else if (!mayWait(w.request, refused)) {
                it.remove();
                deny(out, lib, w.requestId, null, w.request.owner(), refused);
                changed = true;
            }
        }
        if (changed) {
            tellPositions(lib, out);
        }
    }

    /** Tells each waiter its position when it changed: 1 is next in line. */
    private void tellPositions(Library lib, List<Output> out) {
        for (int i = 0; i < lib.queue.size(); i++) {
            Waiter w = lib.queue.get(i);
            if (w.toldPosition != i + 1) {
                w.toldPosition = i + 1;
                emit(out, lib, w.requestId, new ReservationQueued(lib.id, w.request.owner(), i + 1));
            }
        }
    }

    /** Where the wanted volume is: in a slot, or already in a drive. Empty when the request names none. */
    private Optional<VolumeLocation> locate(Library lib, ReserveRequest req) {
        if (req.slot() != null) {
            return Optional.of(locateSlot(lib, req.slot()));
        }
        if (req.label() != null) {
            for (Drive d : lib.drives.values()) {
                if (d.holdsVolume() && req.label().equals(d.label)) {
                    return Optional.of(new VolumeLocation(d.sourceSlot, d.label, d));
                }
            }
            for (Slot s : lib.slots.values()) {
                if (s.state != SlotState.EMPTY && req.label().equals(lib.labelOf(s))) {
                    return Optional.of(new VolumeLocation(s.number, lib.labelOf(s), null));
                }
            }
            throw new Denial(DrivebusError.failed(ErrorReason.notfound, "volume '" + req.label() + "' is not in library " + lib.id));
        }
        if (req.relative() != null) {
            return Optional.of(locateSlot(lib, relativeSlot(lib, req.relative(), req.exceptSlots())));
        }
        return Optional.empty();
    }

    private static VolumeLocation locateSlot(Library lib, int number) {
        Slot s = lib.slots.get(number);
        if (s == null) {
            throw new Denial(DrivebusError.failed(ErrorReason.invalid, "slot " + number + " does not exist in library " + lib.id
                    + (lib.slots.isEmpty() ? "" : " (slots " + lib.slots.firstKey() + "-" + lib.slots.lastKey() + ")")));
        }
        for (Drive d : lib.drives.values()) {
            if (d.holdsVolume() && Integer.valueOf(number).equals(d.sourceSlot)) {
                return new VolumeLocation(number, d.label, d);
            }
        }
        if (s.state == SlotState.EMPTY) {
            throw new Denial(DrivebusError.failed(ErrorReason.empty, "slot " + number + " of library " + lib.id + " is empty"));
        }
        return new VolumeLocation(number, lib.labelOf(s), null);
    }

    /** Amanda's relative slots: {@code current}, or {@code next} wrapping past the last slot, skipping except_slots. */
    private static int relativeSlot(Library lib, Relative rel, List<Integer> exceptSlots) {
        Set<Integer> except = exceptSlots == null ? Set.of() : new HashSet<>(exceptSlots);
        if (rel == Relative.current && !except.contains(lib.currentSlot)) {
            return lib.currentSlot;
        }
        List<Integer> order = new ArrayList<>(lib.slots.tailMap(lib.currentSlot, false).keySet());
        order.addAll(lib.slots.headMap(lib.currentSlot, true).keySet());
        for (int n : order) {
            Slot s = lib.slots.get(n);
            if (!except.contains(n) && !s.importExport) {
                return n;
            }
        }
        throw new Denial(DrivebusError.failed(ErrorReason.notfound, "no slot left to try in library " + lib.id));
    }

    private static Reservation holderOf(Library lib, VolumeLocation vol) {
        for (Reservation r : lib.reservations.values()) {
            if (vol.slot != null && vol.slot.equals(r.slot) || vol.label != null && vol.label.equals(r.label)) {
                return r;
            }
        }
        return null;
    }

    /** A free drive: an empty one first (no unload needed), else one holding an unreserved volume. */
    private static Drive chooseDrive(Library lib) {
        Drive loadedFree = null;
        for (Drive d : lib.drives.values()) {
            if (!d.isFree() || !d.isUsable()) {
                continue;
            }
            if (d.state == DriveState.empty) {
                return d;
            }
            if (loadedFree == null) {
                loadedFree = d;
            }
        }
        return loadedFree;
    }

    private void release(Library lib, String requestId, ReleaseRequest req, Instant now, List<Output> out) {
        Reservation r = ownedReservation(lib, requestId, req.reservationId(), req.owner(), out);
        if (r == null) {
            return;
        }
        Drive d = end(lib, r, false);
        emit(out, lib, requestId, new ReservationReleased(lib.id, r.id, r.owner, r.drive, r.token));
        if (Boolean.TRUE.equals(req.unload()) && d != null && d.pendingCommandId == null) {
            // The release's own token still fences the unload: no newer grant exists yet.
            String commandId = ids.get();
            d.pendingCommandId = commandId;
            d.pendingToken = r.token;
            out.add(new Output.Command(commandId, requestId, DeviceCommand.unload(lib.id, lib.host, d.id, r.token, r.id)));
        }
        serveQueue(lib, now, out);
    }

    private void renew(Library lib, String requestId, RenewRequest req, Instant now, List<Output> out) {
        Reservation r = ownedReservation(lib, requestId, req.reservationId(), req.owner(), out);
        if (r == null) {
            return;
        }
        if (req.leaseMs() != null) {
            r.leaseMs = req.leaseMs();
        }
        r.leaseExpiresAt = now.plusMillis(r.leaseMs);
        emit(out, lib, requestId, new LeaseRenewed(lib.id, r.id, r.owner, r.leaseExpiresAt));
    }

    /** DEC SRC LockOps break: {@code any} breaks anyone's, {@code site} only holders on the operator's own site. */
    private void breakReservation(Library lib, String requestId, BreakRequest req, Instant now, List<Output> out) {
        Reservation r = lib.reservations.get(req.reservationId());
        if (r == null) {
            deny(out, lib, requestId, req.reservationId(), req.operator(), noSuchReservation(lib, req.reservationId()));
            return;
        }
        if (req.scope() == BreakScope.site && !req.operator().site().equals(r.owner.site())) {
            deny(out, lib, requestId, r.id, req.operator(), DrivebusError.failed(ErrorReason.unauthorized,
                    "site break rights of " + req.operator() + " do not cover " + r.owner));
            return;
        }
        end(lib, r, true);
        emit(out, lib, requestId, new ReservationBroken(lib.id, r.id, r.owner, req.operator(), req.scope(), req.reason(), r.drive, r.token));
        serveQueue(lib, now, out);
    }

    /**
     * Withdraws a request. A waiter is answered {@code cancelled}. A request already granted (a client that gave up
     * before it saw the grant cancels rather than releases) is ended too: still loading, its one answer becomes
     * {@code cancelled}; already ready, it was answered, so the cancel is answered as a release.
     */
    private void cancel(Library lib, String requestId, CancelRequest req, Instant now, List<Output> out) {
        Waiter w = lib.queue.stream().filter(x -> x.requestId.equals(req.requestId())).findFirst().orElse(null);
        Reservation granted = lib.reservations.get(req.requestId());
        Owner holder = w != null ? w.request.owner() : granted != null ? granted.owner : null;
        if (holder == null) {
            deny(out, lib, requestId, null, req.owner(),
                    DrivebusError.failed(ErrorReason.notfound, "request " + req.requestId() + " is neither waiting nor granted"));
            return;
        }
        if (!holder.equals(req.owner())) {
            deny(out, lib, requestId, null, req.owner(), DrivebusError.failed(ErrorReason.unauthorized,
                    "request " + req.requestId() + " belongs to " + holder + ", not " + req.owner()));
            return;
        }
        if (w != null) {
            lib.queue.remove(w);
            emit(out, lib, w.requestId, new ReservationCancelled(lib.id, holder));
            tellPositions(lib, out);
            return;
        }
        end(lib, granted, !granted.ready);
        if (granted.ready) {
            emit(out, lib, requestId, new ReservationReleased(lib.id, granted.id, holder, granted.drive, granted.token));
        } else {
            emit(out, lib, granted.id, new ReservationCancelled(lib.id, holder));
        }
        serveQueue(lib, now, out);
    }

    private Reservation ownedReservation(Library lib, String requestId, String reservationId, Owner caller, List<Output> out) {
        Reservation r = lib.reservations.get(reservationId);
        if (r == null) {
            deny(out, lib, requestId, reservationId, caller, noSuchReservation(lib, reservationId));
            return null;
        }
        if (!r.owner.equals(caller)) {
            deny(out, lib, requestId, reservationId, caller, new DrivebusError(io.drivebus.schemas.ErrorKind.failed,
                    ErrorReason.unauthorized, "reservation " + r.id + " is held by " + r.owner + ", not " + caller,
                    r.slot, r.drive, r.owner, r.id));
            return null;
        }
        return r;
    }

    private static DrivebusError noSuchReservation(Library lib, String id) {
        return DrivebusError.failed(ErrorReason.notfound, "no reservation " + id + " in library " + lib.id);
    }

    /** Frees the drive of a reservation that ends. An ending not asked for by the holder moves the token on. */
    private static Drive end(Library lib, Reservation r, boolean fence) {
        lib.reservations.remove(r.id);
        Drive d = lib.drives.get(r.drive);
        if (d != null && r.id.equals(d.reservationId)) {
            d.reservationId = null;
            if (fence) {
                d.nextToken();
            }
        }
        return d;
    }

    // ---------------------------------------------------------------- changer operations

    /** Amanda's changer operations. None of them ever drops or disturbs a live reservation. */
    private void changer(Library lib, String requestId, ChangerRequest req, Instant now, List<Output> out) {
        switch (req.op()) {
            case info -> changerDone(out, lib, requestId, req.owner(), req.op(), List.of(), null);
            case reset -> {
                // unlike chg-multi's reset, live reservations stay: only the current slot moves
                lib.currentSlot = lib.slots.isEmpty() ? 1 : lib.slots.firstKey();
                changerDone(out, lib, requestId, req.owner(), req.op(), List.of(lib.currentSlot), null);
            }
            case eject -> eject(lib, requestId, req, out);
            case move -> move(lib, requestId, req, out);
            case update -> update(lib, requestId, req, now, out);
        }
    }

    /** Unloads a drive nobody holds. The eject runs under a new token: it fences off anything issued before it. */
    private void eject(Library lib, String requestId, ChangerRequest req, List<Output> out) {
        if (req.drive() == null) {
            deny(out, lib, requestId, null, req.owner(), DrivebusError.failed(ErrorReason.invalid, "eject needs a drive"));
            return;
        }
        Drive d = lib.drives.get(req.drive());
        if (d == null) {
            deny(out, lib, requestId, null, req.owner(),
                    DrivebusError.failed(ErrorReason.notfound, "library " + lib.id + " has no drive '" + req.drive() + "'"));
            return;
        }
        if (d.reservationId != null) {
            Reservation r = lib.reservations.get(d.reservationId);
            deny(out, lib, requestId, null, req.owner(), new DrivebusError(io.drivebus.schemas.ErrorKind.failed, ErrorReason.driveinuse,
                    "drive " + d.id + " is reserved by " + r.owner + " (reservation " + r.id + ")", r.slot, d.id, r.owner, r.id));
            return;
        }
        if (d.pendingCommandId != null) {
            deny(out, lib, requestId, null, req.owner(),
                    DrivebusError.failed(ErrorReason.driveinuse, "drive " + d.id + " has a motion in progress"));
            return;
        }
        if (d.state == DriveState.empty) {
            changerDone(out, lib, requestId, req.owner(), req.op(), List.of(), d.id);
            return;
        }
        String commandId = ids.get();
        d.pendingCommandId = commandId;
        d.pendingToken = d.nextToken();
        lib.pendingChanges.put(commandId, new PendingChange(requestId, ChangerOp.eject, req.owner(),
                d.sourceSlot == null ? List.of() : List.of(d.sourceSlot), d.id));
        out.add(new Output.Command(commandId, requestId, DeviceCommand.unload(lib.id, lib.host, d.id, d.pendingToken, null)));
    }

    /** Moves a volume between slots; neither the volume nor the slots may be in use. */
    private void move(Library lib, String requestId, ChangerRequest req, List<Output> out) {
        Integer from = req.fromSlot();
        Integer to = req.toSlot();
        DrivebusError why = null;
        if (from == null || to == null || from.equals(to)) {
            why = DrivebusError.failed(ErrorReason.invalid, "move needs two different slots, fromSlot and toSlot");
        } else if (!lib.slots.containsKey(from) || !lib.slots.containsKey(to)) {
            why = DrivebusError.failed(ErrorReason.invalid, "library " + lib.id + " has no slot " + (lib.slots.containsKey(from) ? to : from));
        } else if (lib.slots.get(from).state == SlotState.EMPTY) {
            why = DrivebusError.failed(ErrorReason.empty, "slot " + from + " is empty");
        } else if (lib.slots.get(to).state != SlotState.EMPTY) {
            why = DrivebusError.failed(ErrorReason.invalid, "slot " + to + " is not empty");
        } else if (slotInMotion(lib, from) || slotInMotion(lib, to)) {
            why = DrivebusError.failed(ErrorReason.volinuse, "slot " + from + " or " + to + " is being moved");
        } else {
            Reservation holder = holderOf(lib, new VolumeLocation(from, lib.labelOf(lib.slots.get(from)), null));
            if (holder != null) {
                why = DrivebusError.volumeInUse(from, holder.drive, holder.owner, holder.id,
                        "the volume in slot " + from + " is reserved by " + holder.owner);
            }
        }
        if (why != null) {
            deny(out, lib, requestId, null, req.owner(), why);
            return;
        }
        String commandId = ids.get();
        lib.pendingChanges.put(commandId, new PendingChange(requestId, ChangerOp.move, req.owner(), List.of(from, to), null));
        out.add(new Output.Command(commandId, requestId, new DeviceCommand(lib.id, lib.host, null, DeviceAction.transfer, 0, from, to,
                null, null, null, null)));
    }

    /** Rescan (slot ranges, or all), or record ({@code N=LABEL}) / forget ({@code N=}) a slot's label without motion. */
    private void update(Library lib, String requestId, ChangerRequest req, Instant now, List<Output> out) {
        ChangerSpec spec;
        try {
            spec = ChangerSpec.parse(req.spec());
        } catch (IllegalArgumentException e) {
            deny(out, lib, requestId, null, req.owner(), DrivebusError.failed(ErrorReason.invalid, e.getMessage()));
            return;
        }
        List<Integer> slots = spec.isAssignment() ? List.of(spec.slot()) : spec.rescan() == null ? List.copyOf(lib.slots.keySet()) : spec.rescan();
        for (int n : slots) {
            if (!lib.slots.containsKey(n)) {
                deny(out, lib, requestId, null, req.owner(), DrivebusError.failed(ErrorReason.invalid, "library " + lib.id + " has no slot " + n));
                return;
            }
        }
        if (spec.isAssignment()) {
            lib.labelOverrides.put(spec.slot(), spec.label());
            changerDone(out, lib, requestId, req.owner(), req.op(), slots, null);
            serveQueue(lib, now, out);
            return;
        }
        String commandId = ids.get();
        lib.pendingChanges.put(commandId, new PendingChange(requestId, ChangerOp.update, req.owner(), slots, null));
        out.add(new Output.Command(commandId, requestId, new DeviceCommand(lib.id, lib.host, null, DeviceAction.scan, 0, null, null, null,
                null, null, null)));
    }

    /** Answers a changer operation whose command the agent reported on. */
    private void changerResult(Library lib, PendingChange pc, DeviceCommandResult result, List<Output> out) {
        if (pc.drive != null) {
            Drive d = lib.drives.get(pc.drive);
            if (d != null) {
                d.pendingCommandId = null;
            }
        }
        if (result.outcome() != CommandOutcome.done) {
            deny(out, lib, pc.requestId, null, pc.owner, result.error() != null ? result.error()
                    : DrivebusError.failed(ErrorReason.device, pc.op + " " + result.outcome()));
            return;
        }
        if (pc.op == ChangerOp.update) {
            pc.slots.forEach(lib.labelOverrides::remove); // rescanned: the agent's word again
        } else if (pc.op == ChangerOp.move) {
            // the labels an operator recorded travel with the volume
            String moved = lib.labelOverrides.remove(pc.slots.get(0));
            if (moved != null) {
                lib.labelOverrides.put(pc.slots.get(1), moved);
            }
        }
        changerDone(out, lib, pc.requestId, pc.owner, pc.op, pc.slots, pc.drive);
    }

    private void changerDone(List<Output> out, Library lib, String requestId, Owner owner, ChangerOp op, List<Integer> slots, String drive) {
        emit(out, lib, requestId, new ChangerResult(lib.id, owner, op, lib.currentSlot, lib.numSlots(), lib.vendor, lib.fastSearch, slots,
                drive));
    }

    private static boolean slotInMotion(Library lib, int slot) {
        for (PendingChange pc : lib.pendingChanges.values()) {
            if (pc.op == ChangerOp.move && pc.slots.contains(slot)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- agent input

    /** Applies an agent's library status; a status older than the one applied is ignored. */
    public List<Output> onStatus(Library lib, LibraryStatus s, Instant now) {
        if (s.sequence() <= lib.statusSequence) {
            return List.of();
        }
        lib.statusSequence = s.sequence();
        lib.lastStatusAt = now;
        lib.host = s.host();
        lib.vendor = s.vendor();
        lib.fastSearch = s.fastSearch();
        lib.heartbeatIntervalMs = s.heartbeatIntervalMs();
        lib.slots.clear();
        for (SlotStatus ss : s.slots()) {
            Slot slot = new Slot(ss.slot());
            slot.state = ss.state();
            slot.label = ss.label();
            slot.barcode = ss.barcode();
            slot.importExport = ss.importExport();
            lib.slots.put(slot.number, slot);
        }
        Set<String> reported = new HashSet<>();
        for (DriveStatus ds : s.drives()) {
            reported.add(ds.id());
            Drive d = lib.drives.computeIfAbsent(ds.id(), Drive::new);
            d.devicePath = ds.devicePath();
            d.mediaType = ds.mediaType();
            d.state = ds.state();
            d.label = ds.label();
            d.barcode = ds.barcode();
            d.sourceSlot = ds.sourceSlot();
            d.error = ds.error();
            d.agentToken = Math.max(d.agentToken, ds.highestToken());
        }
        for (Iterator<Map.Entry<String, Drive>> it = lib.drives.entrySet().iterator(); it.hasNext();) {
            Drive d = it.next().getValue();
            if (!reported.contains(d.id)) {
                if (d.isFree()) {
                    it.remove();
                } else {
                    d.state = DriveState.offline;
                }
            }
        }
        List<Output> out = new ArrayList<>();
        reconcilePending(lib, out);
        serveQueue(lib, now, out);
        return out;
    }

    /**
     * DEC SRC's pending versions: a load in flight is confirmed by the agent's result or, if that result was lost
     * (an agent or service restart), by a status showing the agent accepted the command's token and the drive holds
     * the expected volume. A failure is only ever taken from a result, never guessed from a status.
     */
    private void reconcilePending(Library lib, List<Output> out) {
        for (Drive d : lib.drives.values()) {
            if (d.pendingCommandId == null || d.agentToken < d.pendingToken || d.state == DriveState.busy) {
                continue;
            }
            Reservation r = d.reservationId == null ? null : lib.reservations.get(d.reservationId);
            if (r != null && !r.ready && r.token == d.pendingToken) {
                boolean holdsIt = d.state == DriveState.loaded
                        && (r.label != null ? r.label.equals(d.label) : r.slot != null && r.slot.equals(d.sourceSlot));
                if (holdsIt) {
                    d.pendingCommandId = null;
                    r.ready = true;
                    emitReady(out, lib, r, d);
                }
            } else if (r == null && d.state == DriveState.empty) {
                PendingChange eject = lib.pendingChanges.remove(d.pendingCommandId);
                d.pendingCommandId = null; // an unload after release, or an eject, done
                if (eject != null) {
                    changerDone(out, lib, eject.requestId, eject.owner, eject.op, eject.slots, eject.drive);
                }
            }
        }
    }

    /** An agent's answer to a command: completes or fails the load a grant is waiting for. */
    public List<Output> onDeviceResult(Library lib, String commandId, DeviceCommandResult result, Instant now) {
        List<Output> out = new ArrayList<>();
        PendingChange pc = lib.pendingChanges.remove(commandId);
        if (pc != null) {
            changerResult(lib, pc, result, out);
            serveQueue(lib, now, out);
            return out;
        }
        Drive d = result.drive() == null ? null : lib.drives.get(result.drive());
        if (d == null || !commandId.equals(d.pendingCommandId)) {
            return out; // a duplicate or a result of a command superseded since: nothing waits for it
        }
        d.pendingCommandId = null;
        if (result.action() != DeviceAction.load) {
            serveQueue(lib, now, out);
            return out;
        }
        Reservation r = result.reservationId() == null ? null : lib.reservations.get(result.reservationId());
        if (r == null || r.token != result.token()) {
            serveQueue(lib, now, out); // released or broken while the load ran: the drive is free now
            return out;
        }
        if (result.outcome() == CommandOutcome.done) {
            r.ready = true;
            d.state = DriveState.loaded;
            d.label = result.label() != null ? result.label() : r.label;
            d.barcode = result.barcode();
            d.sourceSlot = r.slot;
            if (r.label == null) {
                r.label = d.label;
            }
            emitReady(out, lib, r, d);
        } else {
            end(lib, r, true);
            DrivebusError why = result.error() != null ? result.error()
                    : DrivebusError.failed(ErrorReason.device, "load " + result.outcome() + " on drive " + d.id);
            deny(out, lib, r.id, r.id, r.owner, why);
            serveQueue(lib, now, out);
        }
        return out;
    }

    // ---------------------------------------------------------------- time

    /**
     * Expires lapsed leases (the drive is freed and its token moves on, so the old holder is fenced off) and
     * waiters whose wait timed out, then serves the queue with what was freed.
     */
    public List<Output> onTick(Library lib, Instant now) {
        List<Output> out = new ArrayList<>();
        for (Reservation r : List.copyOf(lib.reservations.values())) {
            if (!r.leaseExpiresAt.isAfter(now)) {
                end(lib, r, true);
                emit(out, lib, r.id, new ReservationExpired(lib.id, r.id, r.owner, r.drive, r.token, ExpiryKind.lease));
            }
        }
        boolean timedOut = false;
        for (Iterator<Waiter> it = lib.queue.iterator(); it.hasNext();) {
            Waiter w = it.next();
            if (!w.deadline.isAfter(now)) {
                it.remove();
                timedOut = true;
                emit(out, lib, w.requestId, new ReservationExpired(lib.id, null, w.request.owner(), null, null, ExpiryKind.wait));
            }
        }
        serveQueue(lib, now, out);
        if (timedOut) {
            tellPositions(lib, out);
        }
        return out;
    }

    /** Whether the library's agent is heartbeating; a silent agent's drives are not granted. */
    public static boolean agentAlive(Library lib, Instant now) {
        if (lib.lastStatusAt == null) {
            return false;
        }
        long limit = Math.max(1, lib.heartbeatIntervalMs) * MISSED_HEARTBEATS_OFFLINE;
        return !lib.lastStatusAt.plusMillis(limit).isBefore(now);
    }

    /** The earliest moment {@link #onTick} has something to do, or null. */
    public static Instant nextDeadline(Library lib) {
        Instant next = null;
        for (Reservation r : lib.reservations.values()) {
            if (next == null || r.leaseExpiresAt.isBefore(next)) {
                next = r.leaseExpiresAt;
            }
        }
        for (Waiter w : lib.queue) {
            if (next == null || w.deadline.isBefore(next)) {
                next = w.deadline;
            }
        }
        return next;
    }

    // ---------------------------------------------------------------- helpers

    private void emitReady(List<Output> out, Library lib, Reservation r, Drive d) {
        emit(out, lib, r.id, new ReservationReady(lib.id, r.id, r.owner, d.id, d.devicePath, r.slot, r.label, d.barcode, r.token,
                r.leaseExpiresAt));
    }

    private void deny(List<Output> out, Library lib, String requestId, String reservationId, Owner owner, DrivebusError error) {
        emit(out, lib, requestId, new ReservationDenied(lib.id, reservationId, owner, error));
    }

    private void emit(List<Output> out, Library lib, String correlationId, ReservationEvent event) {
        out.add(new Output.Event(ids.get(), correlationId, event));
    }

    private static Owner ownerOf(ReservationRequest r) {
        if (r instanceof ReserveRequest x) {
            return x.owner();
        } else if (r instanceof ReleaseRequest x) {
            return x.owner();
        } else if (r instanceof RenewRequest x) {
            return x.owner();
        } else if (r instanceof CancelRequest x) {
            return x.owner();
        } else if (r instanceof ChangerRequest x) {
            return x.owner();
        }
        return ((BreakRequest) r).operator();
    }

    private static String describe(VolumeLocation v) {
        return v.label != null ? v.label + (v.slot != null ? " (slot " + v.slot + ")" : "") : "in slot " + v.slot;
    }

    private record VolumeLocation(Integer slot, String label, Drive drive) {
    }

    /** A rule said no; carries the typed error. */
    private static final class Denial extends RuntimeException {
        final DrivebusError error;

        Denial(DrivebusError error) {
            super(error.message(), null, false, false);
            this.error = error;
        }
    }
}
