package io.drivebus.schemas.reservation;

/** One granted device of a set. */
public record SetMember(String reservationId, String drive, String devicePath, Integer slot, String label, long token, AccessMode mode) {
}
