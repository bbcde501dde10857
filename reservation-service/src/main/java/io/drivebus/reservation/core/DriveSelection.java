package io.drivebus.reservation.core;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.Relative;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which drive serves a want, and with which volume: Amanda's lookups (slot, label, current/next) and the Bareos
 * storage daemon's order for appends. Pure functions of a library's state; nothing here changes it.
 *
 * <p>Bareos' order: (1) the drive already holding the wanted volume; (2) a drive with a mounted appendable volume
 * of the pool, free or shared by appends of that pool under its maxConcurrentJobs, least used first; (3)/(4) a free
 * drive of the media type, empty ones first, loading a volume of the pool. Drives with autoselect off are only used
 * for the volume they hold.
 */
final class DriveSelection {

    /** The decision for one want. {@code shared}: the drive's mounted volume is shared with other appends. */
    record Choice(Drive drive, Integer slot, String label, boolean motion, boolean shared) {
    }

    /** Where a volume is: in a slot, or already in a drive. */
    record VolumeLocation(Integer slot, String label, Drive drive) {
        String describe() {
            return label != null ? label + (slot != null ? " (slot " + slot + ")" : "") : "in slot " + slot;
        }
    }

    /** Drives, slots and labels already chosen for other members of the same set. */
    record Taken(Set<String> drives, Set<Integer> slots, Set<String> labels) {
        static Taken none() {
            return new Taken(Set.of(), Set.of(), Set.of());
        }

        static Taken mutable() {
            return new Taken(new HashSet<>(), new HashSet<>(), new HashSet<>());
        }

        void add(Choice c) {
            drives.add(c.drive().id);
            if (c.slot() != null) {
                slots.add(c.slot());
            }
            if (c.label() != null) {
                labels.add(c.label());
            }
        }
    }

    /** @throws Denial with the typed reason when the want cannot be served now */
    static Choice choose(Library lib, Want want, boolean agentAlive, Taken taken) {
        if (!agentAlive) {
            throw new Denial(DrivebusError.failed(ErrorReason.driveinuse, "the agent of library " + lib.id + " is not heartbeating"));
        }
        if (want.namesVolume()) {
            return forVolume(lib, want, taken);
        }
        if (!want.isAppend()) {
            throw new Denial(DrivebusError.failed(ErrorReason.invalid,
                    "a reserve must name a slot, a label or current/next; only an append may name just a pool"));
        }
        if (want.pool() == null) {
            throw new Denial(DrivebusError.failed(ErrorReason.invalid, "an append that names no volume must name its pool"));
        }
        return forAppend(lib, want, taken);
    }

    private static Choice forVolume(Library lib, Want want, Taken taken) {
        VolumeLocation vol = locate(lib, want);
        if (vol.slot() != null && (slotInMotion(lib, vol.slot()) || taken.slots().contains(vol.slot()))
                || vol.label() != null && taken.labels().contains(vol.label())) {
            throw new Denial(DrivebusError.failed(ErrorReason.volinuse, "volume " + vol.describe() + " is being moved or asked for twice"));
        }
        Reservation holder = holderOf(lib, vol);
        if (holder != null) {
            Drive d = lib.drives.get(holder.drive);
            if (want.isAppend() && holder.isAppend() && d != null && canShare(lib, d, want, taken)) {
                return new Choice(d, holder.slot, holder.label, false, true);
            }
            throw new Denial(DrivebusError.volumeInUse(holder.slot == null ? vol.slot() : holder.slot, holder.drive, holder.owner, holder.id,
                    "volume " + vol.describe() + " is in use by " + holder.owner + " (reservation " + holder.id + ", drive " + holder.drive + ")"));
        }
        if (vol.drive() != null) {
            Drive d = vol.drive();
            if (taken.drives().contains(d.id) || !d.isFree() || !d.isUsable()) {
                throw new Denial(DrivebusError.failed(ErrorReason.driveinuse, "drive " + d.id + " holding " + vol.describe() + " is busy"));
            }
            return new Choice(d, vol.slot(), vol.label(), false, false);
        }
        Drive d = freeDrive(lib, want, taken);
        if (d == null) {
            throw new Denial(DrivebusError.failed(ErrorReason.driveinuse, noFreeDrive(lib, want)));
        }
        return new Choice(d, vol.slot(), vol.label(), true, false);
    }

    private static Choice forAppend(Library lib, Want want, Taken taken) {
        Drive best = null;
        for (Drive d : lib.drives.values()) {
            if (taken.drives().contains(d.id) || !d.autoselect || !d.isUsable() || !mediaMatches(d, want) || d.pendingCommandId != null
                    || d.state != DriveState.loaded || !want.pool().equals(d.pool) || Boolean.FALSE.equals(d.appendable)
                    || d.label != null && taken.labels().contains(d.label)) {
                continue;
            }
            boolean free = d.holders.isEmpty();
            if (!free && !canShare(lib, d, want, taken)) {
                continue;
            }
            if (best == null || d.holders.size() < best.holders.size()) {
                best = d;
            }
        }
        if (best != null) {
            return new Choice(best, best.sourceSlot, best.label, false, !best.holders.isEmpty());
        }
        Slot volume = null;
        for (Slot s : lib.slots.values()) {
            String label = lib.labelOf(s);
            if (s.state == SlotState.FULL && want.pool().equals(s.pool) && !Boolean.FALSE.equals(s.appendable) && !s.importExport
                    && !slotInMotion(lib, s.number) && !taken.slots().contains(s.number)
                    && holderOf(lib, new VolumeLocation(s.number, label, null)) == null) {
                volume = s;
                break;
            }
        }
        if (volume == null) {
            throw new Denial(DrivebusError.failed(ErrorReason.notfound, "no appendable volume of pool " + want.pool() + " in library " + lib.id));
        }
        Drive d = freeDrive(lib, want, taken);
        if (d == null) {
            throw new Denial(DrivebusError.failed(ErrorReason.driveinuse, noFreeDrive(lib, want)));
        }
        return new Choice(d, volume.number, lib.labelOf(volume), true, false);
    }

    /** An append may join a drive whose holders all append to its mounted volume, while under maxConcurrentJobs. */
    private static boolean canShare(Library lib, Drive d, Want want, Taken taken) {
        if (taken.drives().contains(d.id) || d.pendingCommandId != null || !d.isUsable() || d.holders.size() >= d.maxConcurrentJobs
                || !mediaMatches(d, want)) {
            return false;
        }
        for (String id : d.holders) {
            Reservation r = lib.reservations.get(id);
            if (r == null || !r.isAppend() || !r.ready) {
                return false;
            }
        }
        return want.pool() == null || want.pool().equals(d.pool);
    }

    /** A free drive for a load: autoselect, usable, of the media type; an empty one first (no unload needed). */
    static Drive freeDrive(Library lib, Want want, Taken taken) {
        Drive loadedFree = null;
        for (Drive d : lib.drives.values()) {
            if (!d.autoselect || !d.isFree() || !d.isUsable() || !mediaMatches(d, want) || taken.drives().contains(d.id)) {
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

    private static boolean mediaMatches(Drive d, Want want) {
        return want.mediaType() == null || want.mediaType().equals(d.mediaType);
    }

    private static String noFreeDrive(Library lib, Want want) {
        return "no drive" + (want.mediaType() != null ? " for " + want.mediaType() : "") + " of library " + lib.id + " is free";
    }

    /** Where the named volume is. */
    static VolumeLocation locate(Library lib, Want want) {
        if (want.slot() != null) {
            return locateSlot(lib, want.slot());
        }
        if (want.label() != null) {
            for (Drive d : lib.drives.values()) {
                if (d.holdsVolume() && want.label().equals(d.label)) {
                    return new VolumeLocation(d.sourceSlot, d.label, d);
                }
            }
            for (Slot s : lib.slots.values()) {
                if (s.state != SlotState.EMPTY && want.label().equals(lib.labelOf(s))) {
                    return new VolumeLocation(s.number, lib.labelOf(s), null);
                }
            }
            throw new Denial(DrivebusError.failed(ErrorReason.notfound, "volume '" + want.label() + "' is not in library " + lib.id));
        }
        return locateSlot(lib, relativeSlot(lib, want.relative(), want.exceptSlots()));
    }

    static VolumeLocation locateSlot(Library lib, int number) {
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
    static int relativeSlot(Library lib, Relative rel, List<Integer> exceptSlots) {
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

    /** The reservation holding a volume (by its slot or its label), or null. */
    static Reservation holderOf(Library lib, VolumeLocation vol) {
        for (Reservation r : lib.reservations.values()) {
            if (vol.slot() != null && vol.slot().equals(r.slot) || vol.label() != null && vol.label().equals(r.label)) {
                return r;
            }
        }
        return null;
    }

    static boolean slotInMotion(Library lib, int slot) {
        for (PendingChange pc : lib.pendingChanges.values()) {
            if (pc.op == ChangerOp.move && pc.slots.contains(slot)) {
                return true;
            }
        }
        return false;
    }

    private DriveSelection() {
    }
}
