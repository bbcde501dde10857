package io.drivebus.schemas.device;

/**
 * An order to an agent (key: {@code host}). It runs under {@code token}, the drive's fencing token;
 * an agent refuses a token lower than the highest it has seen for that drive. The envelope id is the
 * command id, which makes redelivery harmless.
 */
public record DeviceCommand(
        String library,
        String host,
        String drive,
        DeviceAction action,
        long token,
        Integer slot,
        Integer toSlot,
        String expectedLabel,
        String newLabel,
        Boolean force,
        String reservationId) implements DeviceMessage {

    public static DeviceCommand load(String library, String host, String drive, long token, int slot, String expectedLabel,
            String reservationId) {
        return new DeviceCommand(library, host, drive, DeviceAction.load, token, slot, null, expectedLabel, null, null, reservationId);
    }

    public static DeviceCommand unload(String library, String host, String drive, long token, String reservationId) {
        return new DeviceCommand(library, host, drive, DeviceAction.unload, token, null, null, null, null, null, reservationId);
    }
}
