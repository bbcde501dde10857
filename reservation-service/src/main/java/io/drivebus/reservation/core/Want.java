package io.drivebus.reservation.core;

import io.drivebus.schemas.reservation.AccessMode;
import io.drivebus.schemas.reservation.DeviceWant;
import io.drivebus.schemas.reservation.Relative;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.util.List;

/** What one device of a request asks for, whether it came alone or as part of a set. */
record Want(Integer slot, String label, Relative relative, List<Integer> exceptSlots, AccessMode mode, String mediaType, String pool) {

    static Want of(ReserveRequest r) {
        return new Want(r.slot(), r.label(), r.relative(), r.exceptSlots(), r.mode(), r.mediaType(), r.pool());
    }

    static Want of(DeviceWant d) {
        return new Want(d.slot(), d.label(), null, null, d.mode(), d.mediaType(), d.pool());
    }

    boolean namesVolume() {
        return slot != null || label != null || relative != null;
    }

    boolean isAppend() {
        return mode == AccessMode.append;
    }
}
