package io.drivebus.schemas;

/**
 * A typed error answer. For {@code volinuse} and {@code driveinuse}, {@code slot}, {@code drive},
 * {@code holder} and {@code holderReservationId} say who has it.
 */
public record DrivebusError(
        ErrorKind kind,
        ErrorReason reason,
        String message,
        Integer slot,
        String drive,
        Owner holder,
        String holderReservationId) {

    public static DrivebusError failed(ErrorReason reason, String message) {
        return new DrivebusError(ErrorKind.failed, reason, message, null, null, null, null);
    }

    public static DrivebusError fatal(ErrorReason reason, String message) {
        return new DrivebusError(ErrorKind.fatal, reason, message, null, null, null, null);
    }

    public static DrivebusError volumeInUse(int slot, String drive, Owner holder, String reservationId, String message) {
        return new DrivebusError(ErrorKind.failed, ErrorReason.volinuse, message, slot, drive, holder, reservationId);
    }

    @Override
    public String toString() {
        return kind + " " + reason + ": " + message;
    }
}
