package io.drivebus.schemas.reservation;

/** A label an operator recorded for a slot ({@code update N=LABEL}); it stands until the slot is rescanned. */
public record RecordedLabel(int slot, String label) {
}
