package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;

/**
 * A changer operation. {@code drive} names the drive to eject; {@code spec} is Amanda's update argument
 * (slot ranges like {@code 1-3,9} to rescan, {@code N=LABEL} to record a label, {@code N=} to forget a slot;
 * absent rescans all); {@code fromSlot}/{@code toSlot} say what to move where.
 */
public record ChangerRequest(String library, Owner owner, ChangerOp op, String drive, String spec, Integer fromSlot, Integer toSlot)
        implements ReservationRequest {

    public static ChangerRequest of(String library, Owner owner, ChangerOp op) {
        return new ChangerRequest(library, owner, op, null, null, null, null);
    }
}
