package io.drivebus.schemas.device;

import io.drivebus.schemas.DrivebusError;

/** What became of a command (correlationId = the command's id), with the token it ran under. */
public record DeviceCommandResult(
        String library,
        String commandId,
        String host,
        String drive,
        DeviceAction action,
        long token,
        CommandOutcome outcome,
        DrivebusError error,
        Integer slot,
        String label,
        String barcode,
        String reservationId) implements DeviceMessage {
}
