package io.drivebus.reservation.core;

import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReserveRequest;

/** Something a decision sends: an event answering a request or lease, or a command to an agent. */
public sealed interface Output {

    /** To drivebus.reservation.events, keyed by library; {@code correlationId} is the request it answers. */
    record Event(String eventId, String correlationId, ReservationEvent event) implements Output {
    }

    /** To drivebus.device.commands, keyed by the agent's host; {@code commandId} becomes the envelope id. */
    record Command(String commandId, String correlationId, DeviceCommand command) implements Output {
    }

    /**
     * A reserve this library cannot serve, passed on to the next candidate library under the same request id, so
     * the answer still correlates with what the client sent.
     */
    record Forward(String requestId, ReserveRequest request) implements Output {
    }
}
