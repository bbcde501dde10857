package io.drivebus.reservation.core;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.RecordedLabel;
import java.time.Instant;
import java.util.List;

/** Amanda's changer operations on one library, for {@link ReservationCore}. */
final class ChangerOps {
    private final ReservationCore core;

    ChangerOps(ReservationCore core) {
        this.core = core;
    }

    /** Amanda's changer operations. None of them ever drops or disturbs a live reservation. */
    void apply(Library lib, String requestId, ChangerRequest req, Instant now, List<Output> out) {
        switch (req.op()) {
            case info -> done(out, lib, requestId, req.owner(), req.op(), List.of(), null);
            case reset -> {
                // unlike chg-multi's reset, live reservations stay: only the current slot moves
                lib.currentSlot = lib.slots.isEmpty() ? 1 : lib.slots.firstKey();
                done(out, lib, requestId, req.owner(), req.op(), List.of(lib.currentSlot), null);
            }
            case eject -> eject(lib, requestId, req, out);
            case move -> move(lib, requestId, req, out);
            case update -> update(lib, requestId, req, now, out);
        }
    }

    /** Unloads a drive nobody holds. The eject runs under a new token: it fences off anything issued before it. */
    private void eject(Library lib, String requestId, ChangerRequest req, List<Output> out) {
        if (req.drive() == null) {
            core.deny(out, lib, requestId, null, req.owner(), DrivebusError.failed(ErrorReason.invalid, "eject needs a drive"));
            return;
        }
        Drive d = lib.drives.get(req.drive());
        if (d == null) {
            core.deny(out, lib, requestId, null, req.owner(),
                    DrivebusError.failed(ErrorReason.notfound, "library " + lib.id + " has no drive '" + req.drive() + "'"));
            return;
        }
        if (!d.holders.isEmpty()) {
            Reservation r = lib.reservations.get(d.reservationId());
            core.deny(out, lib, requestId, null, req.owner(), new DrivebusError(io.drivebus.schemas.ErrorKind.failed, ErrorReason.driveinuse,
                    "drive " + d.id + " is reserved by " + r.owner + " (reservation " + r.id + ")", r.slot, d.id, r.owner, r.id));
            return;
        }
        if (d.pendingCommandId != null) {
            core.deny(out, lib, requestId, null, req.owner(),
                    DrivebusError.failed(ErrorReason.driveinuse, "drive " + d.id + " has a motion in progress"));
            return;
        }
        if (d.state == DriveState.empty) {
            done(out, lib, requestId, req.owner(), req.op(), List.of(), d.id);
            return;
        }
        String commandId = core.newId();
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
        } else if (DriveSelection.slotInMotion(lib, from) || DriveSelection.slotInMotion(lib, to)) {
            why = DrivebusError.failed(ErrorReason.volinuse, "slot " + from + " or " + to + " is being moved");
        } else {
            Reservation holder = DriveSelection.holderOf(lib, new DriveSelection.VolumeLocation(from, lib.labelOf(lib.slots.get(from)), null));
            if (holder != null) {
                why = DrivebusError.volumeInUse(from, holder.drive, holder.owner, holder.id,
                        "the volume in slot " + from + " is reserved by " + holder.owner);
            }
        }
        if (why != null) {
            core.deny(out, lib, requestId, null, req.owner(), why);
            return;
        }
        String commandId = core.newId();
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
            core.deny(out, lib, requestId, null, req.owner(), DrivebusError.failed(ErrorReason.invalid, e.getMessage()));
            return;
        }
        List<Integer> slots = spec.isAssignment() ? List.of(spec.slot()) : spec.rescan() == null ? List.copyOf(lib.slots.keySet()) : spec.rescan();
        for (int n : slots) {
            if (!lib.slots.containsKey(n)) {
                core.deny(out, lib, requestId, null, req.owner(), DrivebusError.failed(ErrorReason.invalid, "library " + lib.id + " has no slot " + n));
                return;
            }
        }
        if (spec.isAssignment()) {
            lib.labelOverrides.put(spec.slot(), spec.label());
            done(out, lib, requestId, req.owner(), req.op(), slots, null);
            core.serveQueue(lib, now, out);
            return;
        }
        String commandId = core.newId();
        lib.pendingChanges.put(commandId, new PendingChange(requestId, ChangerOp.update, req.owner(), slots, null));
        out.add(new Output.Command(commandId, requestId, new DeviceCommand(lib.id, lib.host, null, DeviceAction.scan, 0, null, null, null,
                null, null, null)));
    }

    /** Answers a changer operation whose command the agent reported on. */
    void onResult(Library lib, PendingChange pc, DeviceCommandResult result, List<Output> out) {
        if (pc.drive != null) {
            Drive d = lib.drives.get(pc.drive);
            if (d != null) {
                d.pendingCommandId = null;
            }
        }
        if (result.outcome() != CommandOutcome.done) {
            core.deny(out, lib, pc.requestId, null, pc.owner, result.error() != null ? result.error()
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
        done(out, lib, pc.requestId, pc.owner, pc.op, pc.slots, pc.drive);
    }

    void done(List<Output> out, Library lib, String requestId, Owner owner, ChangerOp op, List<Integer> slots, String drive) {
        core.emit(out, lib, requestId, new ChangerResult(lib.id, owner, op, lib.currentSlot, lib.numSlots(), lib.vendor, lib.fastSearch, slots,
                drive, recordedLabels(lib)));
    }

    private static List<RecordedLabel> recordedLabels(Library lib) {
        return lib.labelOverrides.entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .map(e -> new RecordedLabel(e.getKey(), e.getValue())).toList();
    }
}
