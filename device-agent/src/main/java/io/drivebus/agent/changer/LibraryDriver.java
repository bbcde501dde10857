package io.drivebus.agent.changer;

import io.drivebus.schemas.ErrorReason;
import java.util.List;

/**
 * One library's robot and drives. Implementations: {@link VtapeDriver} (directories); mtx (SCSI changers) and
 * file (fixed devices) come with issue 4. Callers serialize calls per library: a driver never sees two motions
 * at once, so implementations need no locking of their own.
 */
public interface LibraryDriver {

    /** The driver name as LibraryStatus reports it: vtape, mtx or file. */
    String name();

    List<String> driveIds();

    /** The current inventory, as cheaply as the hardware allows (may be cached). */
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

    default void eject(String drive) throws DriverException {
        throw new DriverException(ErrorReason.notimpl, name() + " driver cannot eject yet");
    }

    default Volume writeLabel(String drive, String newLabel, boolean force) throws DriverException {
        throw new DriverException(ErrorReason.notimpl, name() + " driver cannot label yet");
    }
}
