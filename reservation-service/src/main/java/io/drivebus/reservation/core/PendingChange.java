package io.drivebus.reservation.core;

import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ChangerOp;
import java.util.List;

/** A changer operation waiting for its agent command's result; the request is answered when it comes. */
public final class PendingChange {
    String requestId;
    ChangerOp op;
    Owner owner;
    /** Slots the operation touches (moved from/to, or rescanned). */
    List<Integer> slots;
    String drive;

    PendingChange() {
    }

    PendingChange(String requestId, ChangerOp op, Owner owner, List<Integer> slots, String drive) {
        this.requestId = requestId;
        this.op = op;
        this.owner = owner;
        this.slots = slots;
        this.drive = drive;
    }
}
