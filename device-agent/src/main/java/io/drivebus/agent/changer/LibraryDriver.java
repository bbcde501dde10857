package io.drivebus.agent.changer;

import io.drivebus.schemas.ErrorReason;
import java.util.List;

/**
 * One library's robot and drives. Implementations: {@link VtapeDriver} (directories), {@code MtxDriver} (SCSI
 * changers through mtx and mt), {@link FileDriver} (fixed devices, media never move). Callers serialize calls per
 * library ({@link Library}'s lock): a driver never sees two motions at once, so implementations need no locking of
 * their own.
 */
public interface LibraryDriver {

    /** The driver name as LibraryStatus reports it: vtape, mtx or file. */
    String name();

    List<String> driveIds();

    /** The current inventory, as cheaply as the hardware allows (may be cached: it is read for every heartbeat). */
    LibraryInventory status() throws DriverException;

    /** Re-reads everything from the hardware (Amanda's {@code update}), then returns the inventory. */
    LibraryInventory scan() throws DriverException;

    /**
     * Moves the volume of {@code slot} into {@code drive}. If the drive holds another volume it goes back to its
     * source slot first; if the drive already holds the volume of {@code slot}, nothing moves (a redelivered load
     * after a crash is harmless). Returns the loaded volume's label as read from the medium.
     */
    Volume load(String drive, int slot) throws DriverException;

    /** Moves the volume in {@code drive} to {@code toSlot}, or back to its source slot if null; returns the slot. */
    int unload(String drive, Integer toSlot) throws DriverException;

    /** Reads the label of the volume loaded in {@code drive}. */
    Volume readLabel(String drive) throws DriverException;

    /** The source slot of the volume in {@code drive}, null if empty or unknown. */
    Integer sourceSlot(String drive) throws DriverException;

    /**
     * Amanda's eject: the drive lets go of its volume (rewind and unload the medium, where the hardware has such a
     * step) and the volume goes back to its source slot, or to {@code toSlot}. Returns the slot.
     */
    default int eject(String drive, Integer toSlot) throws DriverException {
        return unload(drive, toSlot);
    }

    /**
     * Writes a new label header on the volume in {@code drive}. A volume that already has a drivebus label is
     * refused ({@code invalid}) unless {@code force}: labelling starts the volume afresh.
     */
    default Volume writeLabel(String drive, String newLabel, boolean force) throws DriverException {
        throw new DriverException(ErrorReason.notimpl, name() + " driver cannot label");
    }

    /** Moves a volume from one slot to another (e.g. into an import/export slot); returns the moved volume. */
    default Volume transfer(int fromSlot, int toSlot) throws DriverException {
        throw new DriverException(ErrorReason.notimpl, name() + " driver cannot transfer between slots");
    }
}
