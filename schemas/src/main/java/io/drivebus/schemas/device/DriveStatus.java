package io.drivebus.schemas.device;

/**
 * One drive as its agent sees it. {@code highestToken} is the highest fencing token the agent has accepted
 * for it, which the reservation-service reconciles against after a restart. Bareos' device settings:
 * {@code autoselect} (false: never chosen automatically, only for the volume it holds; default true),
 * {@code maxConcurrentJobs} (appends that may share the drive; default 1). {@code pool} and {@code appendable}
 * describe the mounted volume, as its label says.
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
        long highestToken,
        Boolean autoselect,
        Integer maxConcurrentJobs,
        String pool,
        Boolean appendable) {

    public DriveStatus(String id, String devicePath, DriveState state, String mediaType, String label, String barcode,
            Integer sourceSlot, String error, long highestToken) {
        this(id, devicePath, state, mediaType, label, barcode, sourceSlot, error, highestToken, null, null, null, null);
    }
}
