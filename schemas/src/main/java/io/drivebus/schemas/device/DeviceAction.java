package io.drivebus.schemas.device;

/** What an agent can be told to do. */
public enum DeviceAction {
    load, unload, eject, read_label, label, scan, transfer
}
