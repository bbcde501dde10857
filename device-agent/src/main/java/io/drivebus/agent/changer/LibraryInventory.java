package io.drivebus.agent.changer;

import java.util.List;

/**
 * What a driver sees in its library right now, in driver terms; the status feature turns it into a
 * {@code LibraryStatus} and adds what only the agent knows (fencing tokens, sequence).
 */
public record LibraryInventory(String vendor, boolean fastSearch, List<Drive> drives, List<Slot> slots) {

    /** {@code volume} null = empty; {@code error} non-null = the drive could not be read. */
    public record Drive(String id, String devicePath, String mediaType, Volume volume, Integer sourceSlot, String error) {
    }

    /** {@code volume} null and {@code unknown} false = empty; {@code unknown} = contents could not be read. */
    public record Slot(int slot, Volume volume, boolean importExport, boolean unknown) {
    }
}
