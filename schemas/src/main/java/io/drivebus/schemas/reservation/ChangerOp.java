package io.drivebus.schemas.reservation;

/**
 * Amanda's changer operations that are not a reservation: {@code reset} (current slot back to the first),
 * {@code eject} (unload a free drive), {@code update} (rescan slots, or record/forget a label without robot
 * motion), {@code move} (a volume between slots), {@code info} (num_slots, vendor, fast_search).
 */
public enum ChangerOp {
    reset, eject, update, move, info
}
