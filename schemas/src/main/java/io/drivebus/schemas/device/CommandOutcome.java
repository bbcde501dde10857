package io.drivebus.schemas.device;

/** {@code refused}: not executed (stale fencing token, unknown drive); {@code failed}: executed and went wrong. */
public enum CommandOutcome {
    done, failed, refused
}
