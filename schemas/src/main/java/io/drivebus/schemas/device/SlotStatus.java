package io.drivebus.schemas.device;

/** A storage slot; {@code pool} and {@code appendable} describe its volume as its label says (absent: unknown). */
public record SlotStatus(int slot, SlotState state, String label, String barcode, boolean importExport, String pool, Boolean appendable) {

    public SlotStatus(int slot, SlotState state, String label, String barcode, boolean importExport) {
        this(slot, state, label, barcode, importExport, null, null);
    }
}
