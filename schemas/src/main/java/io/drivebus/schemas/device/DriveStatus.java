package io.drivebus.schemas.device;

/**
 * One drive as its agent sees it. {@code highestToken} is the highest fencing token the agent has accepted
 * for it, which the reservation-service reconciles against after a restart.
 */
public record DriveStatus(
        String id,
        String devicePath,
        DriveState state,
        String mediaType,
        String label,
        String barcode,
        Integer sourceSlot,
        String error,
        long highestToken) {
}
