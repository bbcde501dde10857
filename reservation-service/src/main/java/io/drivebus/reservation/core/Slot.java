package io.drivebus.reservation.core;

import io.drivebus.schemas.device.SlotState;

/** A storage slot as last reported by the agent. */
public final class Slot {
    int number;
    SlotState state = SlotState.UNKNOWN;
    String label;
    String barcode;
    boolean importExport;
    String pool;
    Boolean appendable;

    Slot() {
    }

    Slot(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    public SlotState state() {
        return state;
    }

    public String label() {
        return label;
    }
}
