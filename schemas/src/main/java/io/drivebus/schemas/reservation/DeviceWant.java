package io.drivebus.schemas.reservation;

/** One device of a multi-device job: a volume by slot or label, or for {@code append} any volume of {@code pool}. */
public record DeviceWant(Integer slot, String label, AccessMode mode, String mediaType, String pool) {
}
