package io.drivebus.client;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.ErrorReason;

/**
 * No usable answer in time: either the service said the request's wait ran out ({@code expired}, what=wait),
 * or the client gave up waiting for any answer. Retrying later may succeed, hence kind {@code failed}.
 */
public class DrivebusTimeoutException extends DrivebusException {

    private final boolean answered;

    public DrivebusTimeoutException(String message, String requestId, boolean answered) {
        super(DrivebusError.failed(ErrorReason.unknown, message), requestId);
        this.answered = answered;
    }

    /** True when the service itself expired the wait; false when the client heard nothing in time. */
    public boolean answered() {
        return answered;
    }

    @Override
    public String getMessage() {
        return "timeout: " + error().message();
    }
}
