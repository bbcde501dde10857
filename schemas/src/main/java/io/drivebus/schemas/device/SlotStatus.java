package io.drivebus.schemas.device;

public record SlotStatus(int slot, SlotState state, String label, String barcode, boolean importExport) {
}
