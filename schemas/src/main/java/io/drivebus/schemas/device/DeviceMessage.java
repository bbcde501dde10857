package io.drivebus.schemas.device;

import io.drivebus.schemas.Payload;

/** Everything the agents and the reservation-service say to each other about hardware. */
public sealed interface DeviceMessage extends Payload permits DeviceCommand, DeviceCommandResult, LibraryStatus {
}
