package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;
import java.util.List;

/**
 * A changer operation is done. {@code currentSlot}, {@code numSlots}, {@code vendor} and {@code fastSearch} describe
 * the library afterwards (Amanda's info); {@code slots} are the slots the operation touched; {@code drive} the drive
 * ejected; {@code recordedLabels} every label operators recorded in the library ({@code update N=LABEL}), afterwards —
 * the whole list, so a consumer can replace what it had.
 */
public record ChangerResult(String library, Owner owner, ChangerOp op, int currentSlot, int numSlots, String vendor,
        boolean fastSearch, List<Integer> slots, String drive, List<RecordedLabel> recordedLabels) implements ReservationEvent {

    public ChangerResult(String library, Owner owner, ChangerOp op, int currentSlot, int numSlots, String vendor,
            boolean fastSearch, List<Integer> slots, String drive) {
        this(library, owner, op, currentSlot, numSlots, vendor, fastSearch, slots, drive, null);
    }
}
