package io.drivebus.reservation.core;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.ErrorKind;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.BreakRequest;
import io.drivebus.schemas.reservation.BreakScope;
import io.drivebus.schemas.reservation.CancelRequest;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.DeviceWant;
import io.drivebus.schemas.reservation.ExpiryKind;
import io.drivebus.schemas.reservation.LeaseRenewed;
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
import io.drivebus.schemas.reservation.ReservationSetReady;
import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.schemas.reservation.ReserveSetRequest;
import io.drivebus.schemas.reservation.SetMember;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The reservation rules of one library. Plain Java, no I/O: given the library's state and one input (a
 * request, an agent's status or command result, or the passing of time), it changes the state and says what to
 * send. The Kafka Streams adapter feeds it one library's inputs in partition order and commits state and
 * outputs atomically. Which drive serves a request is {@link DriveSelection}'s; changer operations are
 * {@link ChangerOps}'.
 */
public final class ReservationCore {

    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);
    /** An agent that misses this many heartbeats is taken as gone: its drives are not granted. */
    static final int MISSED_HEARTBEATS_OFFLINE = 3;

    private final Supplier<String> ids;
    private final boolean unloadOnExpiry;
    private final ChangerOps changer = new ChangerOps(this);

    /** @param ids makes command and event ids (random UUIDs in production, predictable in tests) */
    public ReservationCore(Supplier<String> ids) {
        this(ids, false);
    }

    /** @param unloadOnExpiry put a lapsed holder's volume back in its slot (under the moved-on token) */
    public ReservationCore(Supplier<String> ids, boolean unloadOnExpiry) {
        this.ids = ids;
        this.unloadOnExpiry = unloadOnExpiry;
    }

    // ---------------------------------------------------------------- requests

    public List<Output> onRequest(Library lib, String requestId, ReservationRequest request, Instant now) {
        List<Output> out = new ArrayList<>();
        if (!lib.isKnown()) {
            deny(out, lib, requestId, null, request.requester(),
                    DrivebusError.fatal(ErrorReason.notfound, "unknown library '" + lib.id + "': no agent has reported it"));
            return out;
        }
        if (request instanceof ReserveRequest r) {
            reserve(lib, requestId, r, now, out);
        } else if (request instanceof ReserveSetRequest r) {
            reserveSet(lib, requestId, r, now, out);
        } else if (request instanceof ReleaseRequest r) {
            release(lib, requestId, r, now, out);
        } else if (request instanceof RenewRequest r) {
            renew(lib, requestId, r, now, out);
        } else if (request instanceof BreakRequest r) {
            breakReservation(lib, requestId, r, now, out);
        } else if (request instanceof CancelRequest r) {
            cancel(lib, requestId, r, now, out);
        } else if (request instanceof ChangerRequest r) {
            changer.apply(lib, requestId, r, now, out);
        }
        return out;
    }

    private void reserve(Library lib, String requestId, ReserveRequest req, Instant now, List<Output> out) {
        DrivebusError refused = tryGrant(lib, requestId, req, now, out);
        if (refused == null) {
            return;
        }
        if (req.candidates() != null && !req.candidates().isEmpty() && isBusyOrMissing(refused)) {
            // Bareos tries the storages in the job's order: this library cannot serve it now, the next one may
            List<String> rest = req.candidates().subList(1, req.candidates().size());
            out.add(new Output.Forward(requestId, new ReserveRequest(req.candidates().get(0), req.owner(), req.job(), req.slot(), req.label(),
                    req.relative(), req.exceptSlots(), req.setCurrent(), req.mode(), req.mediaType(), req.pool(), rest.isEmpty() ? null : rest,
                    req.priority(), req.waitTimeoutMs(), req.leaseMs())));
            return;
        }
        if (mayWait(req.waitTimeoutMs(), refused)) {
            enqueue(lib, new Waiter(requestId, req, null, lib.arrivals++, now.plusMillis(req.waitTimeoutMs())), out);
            return;
        }
        deny(out, lib, requestId, null, req.owner(), refused);
    }

    /** All or nothing: a set is granted only when every one of its devices can be, so two sets never deadlock. */
    private void reserveSet(Library lib, String requestId, ReserveSetRequest req, Instant now, List<Output> out) {
        DrivebusError refused = tryGrantSet(lib, requestId, req, now, out);
        if (refused == null) {
            return;
        }
        if (mayWait(req.waitTimeoutMs(), refused)) {
            enqueue(lib, new Waiter(requestId, null, req, lib.arrivals++, now.plusMillis(req.waitTimeoutMs())), out);
            return;
        }
        deny(out, lib, requestId, null, req.owner(), refused);
    }

    private static boolean isBusyOrMissing(DrivebusError why) {
        return why.reason() == ErrorReason.driveinuse || why.reason() == ErrorReason.volinuse || why.reason() == ErrorReason.notfound
                || why.reason() == ErrorReason.empty;
    }

    /** Only a request that asked to wait, and only for something that a release can free, waits. */
    private static boolean mayWait(Long waitTimeoutMs, DrivebusError why) {
        return waitTimeoutMs != null && waitTimeoutMs > 0
                && (why.reason() == ErrorReason.driveinuse || why.reason() == ErrorReason.volinuse);
    }

    private void enqueue(Library lib, Waiter w, List<Output> out) {
        int at = 0;
        while (at < lib.queue.size() && WaitQueue.ORDER.compare(lib.queue.get(at), w) <= 0) {
            at++;
        }
        lib.queue.add(at, w);
        tellPositions(lib, out);
    }

    /** Grants if it can, adding the grant's outputs; otherwise adds nothing and says why not. */
    private DrivebusError tryGrant(Library lib, String requestId, ReserveRequest req, Instant now, List<Output> out) {
        Want want = Want.of(req);
        DriveSelection.Choice c;
        try {
            c = DriveSelection.choose(lib, want, agentAlive(lib, now), DriveSelection.Taken.none());
        } catch (Denial d) {
            return d.error;
        }
        Reservation r = commit(lib, requestId, null, req.owner(), req.job(), want, c, leaseOf(req.leaseMs()), now);
        if (Boolean.TRUE.equals(req.setCurrent()) && c.slot() != null) {
            lib.currentSlot = c.slot();
        }
        Drive d = c.drive();
        emit(out, lib, requestId, new ReservationGranted(lib.id, r.id, r.owner, r.job, d.id, lib.host, d.devicePath, r.slot, r.label, r.token,
                r.leaseExpiresAt, c.motion()));
        if (c.motion()) {
            commandLoad(lib, requestId, r, d, out);
        } else {
            emitReady(out, lib, r, d);
        }
        return null;
    }

    private DrivebusError tryGrantSet(Library lib, String requestId, ReserveSetRequest req, Instant now, List<Output> out) {
        List<DriveSelection.Choice> choices = new ArrayList<>();
        List<Want> wants = new ArrayList<>();
        DriveSelection.Taken taken = DriveSelection.Taken.mutable();
        try {
            for (DeviceWant dw : req.devices()) {
                Want w = Want.of(dw);
                DriveSelection.Choice c = DriveSelection.choose(lib, w, agentAlive(lib, now), taken);
                taken.add(c);
                wants.add(w);
                choices.add(c);
            }
        } catch (Denial d) {
            return d.error; // nothing was taken: the set waits or is refused whole
        }
        long leaseMs = leaseOf(req.leaseMs());
        boolean allReady = true;
        for (int i = 0; i < choices.size(); i++) {
            DriveSelection.Choice c = choices.get(i);
            Reservation r = commit(lib, requestId + "/" + i, requestId, req.owner(), req.job(), wants.get(i), c, leaseMs, now);
            Drive d = c.drive();
            emit(out, lib, requestId, new ReservationGranted(lib.id, r.id, r.owner, r.job, d.id, lib.host, d.devicePath, r.slot, r.label,
                    r.token, r.leaseExpiresAt, c.motion()));
            if (c.motion()) {
                commandLoad(lib, requestId, r, d, out);
                allReady = false;
            }
        }
        if (allReady) {
            emitSetReady(out, lib, requestId);
        }
        return null;
    }

    /** Records a grant: a new fencing token for the drive, the lease, and the drive's new holder. */
    private Reservation commit(Library lib, String reservationId, String setId, Owner owner, String job, Want want, DriveSelection.Choice c,
            long leaseMs, Instant now) {
        Drive d = c.drive();
        Reservation r = new Reservation();
        r.id = reservationId;
        r.setId = setId;
        r.owner = owner;
        r.job = job;
        r.drive = d.id;
        r.slot = c.slot();
        r.label = c.label();
        r.mode = want.mode();
        r.pool = want.pool();
        r.token = d.nextToken();
        r.leaseMs = leaseMs;
        r.leaseExpiresAt = now.plusMillis(leaseMs);
        r.ready = !c.motion();
        r.sequence = lib.nextGrantSequence();
        d.holders.add(r.id);
        lib.reservations.put(r.id, r);
        return r;
    }

    private void commandLoad(Library lib, String requestId, Reservation r, Drive d, List<Output> out) {
        String commandId = ids.get();
        d.pendingCommandId = commandId;
        d.pendingToken = r.token;
        out.add(new Output.Command(commandId, requestId, DeviceCommand.load(lib.id, lib.host, d.id, r.token, r.slot, r.label, r.id)));
    }

    private static long leaseOf(Long leaseMs) {
        return leaseMs != null ? leaseMs : DEFAULT_LEASE.toMillis();
    }

    /**
     * Serves waiters in queue order after anything was freed. A waiter is passed over only while what it needs is
     * unavailable, so it never loses a drive or volume it could use to a later waiter; one that can no longer be
     * served at all (its slot emptied, say) is answered with the reason.
     */
    void serveQueue(Library lib, Instant now, List<Output> out) {
        if (lib.queue.isEmpty()) {
            return;
        }
        boolean changed = false;
        for (Iterator<Waiter> it = lib.queue.iterator(); it.hasNext();) {
            Waiter w = it.next();
            DrivebusError refused = w.set != null ? tryGrantSet(lib, w.requestId, w.set, now, out) : tryGrant(lib, w.requestId, w.request, now, out);
            if (refused == null) {
                it.remove();
                changed = true;
            } else if (!mayWait(1L, refused)) {
                it.remove();
                deny(out, lib, w.requestId, null, w.owner(), refused);
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
                emit(out, lib, w.requestId, new ReservationQueued(lib.id, w.owner(), i + 1));
            }
        }
    }

    /** Releases a reservation, or every member of a set named by its id. Owner only. */
    private void release(Library lib, String requestId, ReleaseRequest req, Instant now, List<Output> out) {
        List<Reservation> rs = owned(lib, requestId, req.reservationId(), req.owner(), out);
        for (Reservation r : rs) {
            Drive d = end(lib, r, false);
            emit(out, lib, requestId, new ReservationReleased(lib.id, r.id, r.owner, r.drive, r.token));
            if (Boolean.TRUE.equals(req.unload()) && d != null && d.holders.isEmpty() && d.pendingCommandId == null) {
                // The release's own token still fences the unload: no newer grant exists yet.
                String commandId = ids.get();
                d.pendingCommandId = commandId;
                d.pendingToken = r.token;
                out.add(new Output.Command(commandId, requestId, DeviceCommand.unload(lib.id, lib.host, d.id, r.token, r.id)));
            }
        }
        if (!rs.isEmpty()) {
            serveQueue(lib, now, out);
        }
    }

    private void renew(Library lib, String requestId, RenewRequest req, Instant now, List<Output> out) {
        for (Reservation r : owned(lib, requestId, req.reservationId(), req.owner(), out)) {
            if (req.leaseMs() != null) {
                r.leaseMs = req.leaseMs();
            }
            r.leaseExpiresAt = now.plusMillis(r.leaseMs);
            emit(out, lib, requestId, new LeaseRenewed(lib.id, r.id, r.owner, r.leaseExpiresAt));
        }
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
        List<Reservation> granted = grantsOf(lib, req.requestId());
        Owner holder = w != null ? w.owner() : granted.isEmpty() ? null : granted.get(0).owner;
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
        boolean answered = granted.stream().allMatch(r -> r.ready);
        for (Reservation r : granted) {
            end(lib, r, !answered);
            if (answered) {
                emit(out, lib, requestId, new ReservationReleased(lib.id, r.id, holder, r.drive, r.token));
            }
        }
        if (!answered) {
            emit(out, lib, req.requestId(), new ReservationCancelled(lib.id, holder));
        }
        serveQueue(lib, now, out);
    }

    /** The reservations a request made: itself, or the members of the set it named. */
    private static List<Reservation> grantsOf(Library lib, String id) {
        Reservation single = lib.reservations.get(id);
        if (single != null) {
            return List.of(single);
        }
        return lib.reservations.values().stream().filter(r -> id.equals(r.setId)).toList();
    }

    /** The caller's reservations named by {@code id}; otherwise answers why not and returns none. */
    private List<Reservation> owned(Library lib, String requestId, String id, Owner caller, List<Output> out) {
        List<Reservation> rs = grantsOf(lib, id);
        if (rs.isEmpty()) {
            deny(out, lib, requestId, id, caller, noSuchReservation(lib, id));
            return List.of();
        }
        Reservation r = rs.get(0);
        if (!r.owner.equals(caller)) {
            deny(out, lib, requestId, id, caller, new DrivebusError(ErrorKind.failed, ErrorReason.unauthorized,
                    "reservation " + id + " is held by " + r.owner + ", not " + caller, r.slot, r.drive, r.owner, r.id));
            return List.of();
        }
        return rs;
    }

    private static DrivebusError noSuchReservation(Library lib, String id) {
        return DrivebusError.failed(ErrorReason.notfound, "no reservation " + id + " in library " + lib.id);
    }

    /** Frees a reservation's drive. An ending not asked for by the holder moves the token on, fencing it off. */
    private static Drive end(Library lib, Reservation r, boolean fence) {
        lib.reservations.remove(r.id);
        Drive d = lib.drives.get(r.drive);
        if (d != null && d.holders.remove(r.id) && fence) {
            d.nextToken();
        }
        return d;
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
            slot.pool = ss.pool();
            slot.appendable = ss.appendable();
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
            d.autoselect = ds.autoselect() == null || ds.autoselect();
            d.maxConcurrentJobs = ds.maxConcurrentJobs() == null ? 1 : ds.maxConcurrentJobs();
            d.pool = ds.pool();
            d.appendable = ds.appendable();
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
            Reservation r = d.reservationId() == null ? null : lib.reservations.get(d.reservationId());
            if (r != null && !r.ready && r.token == d.pendingToken) {
                boolean holdsIt = d.state == DriveState.loaded
                        && (r.label != null ? r.label.equals(d.label) : r.slot != null && r.slot.equals(d.sourceSlot));
                if (holdsIt) {
                    d.pendingCommandId = null;
                    loaded(lib, r, d, out);
                }
            } else if (r == null && d.state == DriveState.empty) {
                PendingChange eject = lib.pendingChanges.remove(d.pendingCommandId);
                d.pendingCommandId = null; // an unload after release, or an eject, done
                if (eject != null) {
                    changer.done(out, lib, eject.requestId, eject.owner, eject.op, eject.slots, eject.drive);
                }
            }
        }
    }

    /** An agent's answer to a command: completes or fails the load a grant is waiting for, or a changer operation. */
    public List<Output> onDeviceResult(Library lib, String commandId, DeviceCommandResult result, Instant now) {
        List<Output> out = new ArrayList<>();
        PendingChange pc = lib.pendingChanges.remove(commandId);
        if (pc != null) {
            changer.onResult(lib, pc, result, out);
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
            swapVolumes(lib, d, r.slot);
            d.state = DriveState.loaded;
            d.label = result.label() != null ? result.label() : r.label;
            d.barcode = result.barcode();
            d.sourceSlot = r.slot;
            if (r.label == null) {
                r.label = d.label;
            }
            loaded(lib, r, d, out);
        } else {
            DrivebusError why = result.error() != null ? result.error()
                    : DrivebusError.failed(ErrorReason.device, "load " + result.outcome() + " on drive " + d.id);
            // a set is all or nothing: one failed load ends every member
            String answers = r.setId != null ? r.setId : r.id;
            for (Reservation m : grantsOf(lib, answers)) {
                end(lib, m, true);
            }
            deny(out, lib, answers, answers, r.owner, why);
            serveQueue(lib, now, out);
        }
        return out;
    }

    /**
     * What a load did to the slots, as the agent does it: a volume the drive held went back to its source slot, and
     * the loaded one left its slot. Known now rather than at the agent's next status, so a waiter for the returned
     * volume is not told it is nowhere.
     */
    private static void swapVolumes(Library lib, Drive d, Integer fromSlot) {
        if (d.state == DriveState.loaded && d.sourceSlot != null && !d.sourceSlot.equals(fromSlot)) {
            Slot back = lib.slots.get(d.sourceSlot);
            if (back != null) {
                back.state = io.drivebus.schemas.device.SlotState.FULL;
                back.label = d.label;
                back.barcode = d.barcode;
                back.pool = d.pool;
                back.appendable = d.appendable;
            }
        }
        Slot from = fromSlot == null ? null : lib.slots.get(fromSlot);
        if (from != null) {
            d.pool = from.pool;
            d.appendable = from.appendable;
            from.state = io.drivebus.schemas.device.SlotState.EMPTY;
            from.label = null;
            from.barcode = null;
        }
    }

    /** A load is done: the reservation is ready; a set is ready when its last member is. */
    private void loaded(Library lib, Reservation r, Drive d, List<Output> out) {
        r.ready = true;
        if (r.setId == null) {
            emitReady(out, lib, r, d);
        } else if (grantsOf(lib, r.setId).stream().allMatch(m -> m.ready)) {
            emitSetReady(out, lib, r.setId);
        }
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
                Drive d = end(lib, r, true);
                emit(out, lib, r.id, new ReservationExpired(lib.id, r.id, r.owner, r.drive, r.token, ExpiryKind.lease));
                if (unloadOnExpiry && d != null && d.holders.isEmpty() && d.pendingCommandId == null && d.state == DriveState.loaded) {
                    String commandId = ids.get();
                    d.pendingCommandId = commandId;
                    d.pendingToken = d.token;
                    out.add(new Output.Command(commandId, r.id, DeviceCommand.unload(lib.id, lib.host, d.id, d.token, null)));
                }
            }
        }
        boolean timedOut = false;
        for (Iterator<Waiter> it = lib.queue.iterator(); it.hasNext();) {
            Waiter w = it.next();
            if (!w.deadline.isAfter(now)) {
                it.remove();
                timedOut = true;
                emit(out, lib, w.requestId, new ReservationExpired(lib.id, null, w.owner(), null, null, ExpiryKind.wait));
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

    // ---------------------------------------------------------------- answers

    private void emitReady(List<Output> out, Library lib, Reservation r, Drive d) {
        emit(out, lib, r.id, new ReservationReady(lib.id, r.id, r.owner, d.id, d.devicePath, r.slot, r.label, d.barcode, r.token,
                r.leaseExpiresAt));
    }

    private void emitSetReady(List<Output> out, Library lib, String setId) {
        List<Reservation> members = grantsOf(lib, setId);
        List<SetMember> ms = new ArrayList<>();
        for (Reservation m : members) {
            Drive d = lib.drives.get(m.drive);
            ms.add(new SetMember(m.id, m.drive, d == null ? null : d.devicePath, m.slot, m.label, m.token, m.mode));
        }
        emit(out, lib, setId, new ReservationSetReady(lib.id, setId, members.get(0).owner, ms, members.get(0).leaseExpiresAt));
    }

    void deny(List<Output> out, Library lib, String requestId, String reservationId, Owner owner, DrivebusError error) {
        emit(out, lib, requestId, new ReservationDenied(lib.id, reservationId, owner, error));
    }

    void emit(List<Output> out, Library lib, String correlationId, ReservationEvent event) {
        out.add(new Output.Event(ids.get(), correlationId, event));
    }

    String newId() {
        return ids.get();
    }
}
