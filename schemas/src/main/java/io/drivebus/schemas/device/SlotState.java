package io.drivebus.schemas.device;

/** Amanda's slot states. UNKNOWN is a slot whose contents were forgotten or never scanned. */
public enum SlotState {
    FULL, EMPTY, UNKNOWN
}
