package io.drivebus.schemas.device;

public enum DriveState {
    empty, loaded, busy, error, offline
}
