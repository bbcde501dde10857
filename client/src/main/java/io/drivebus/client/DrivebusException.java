package io.drivebus.client;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.ErrorReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A request was answered with a typed error (or could not be made). {@link #error()} is the service's
 * {@link DrivebusError}: for {@code volinuse}/{@code driveinuse} it names the slot, drive and holder.
 */
public class DrivebusException extends RuntimeException {

    private final DrivebusError error;
    private final String requestId;

    public DrivebusException(DrivebusError error, String requestId) {
        this(error, requestId, null);
    }

    public DrivebusException(DrivebusError error, String requestId, Throwable cause) {
        super(describe(Objects.requireNonNull(error, "error")), cause);
        this.error = error;
        this.requestId = requestId;
    }

    public DrivebusError error() {
        return error;
    }

    public ErrorReason reason() {
        return error.reason();
    }

    /** The envelope id of the request this error answers; null when the request was never sent. */
    public String requestId() {
        return requestId;
    }

    /**
     * One line for humans, e.g. {@code failed volinuse: slot 3 is in use by alice@host (reservation r-1)}:
     * the service's message plus holder details it did not already mention.
     */
    public static String describe(DrivebusError e) {
        String message = e.message() == null ? "" : e.message();
        List<String> extra = new ArrayList<>();
        if (e.holder() != null && !message.contains(e.holder().toString())) {
            extra.add("held by " + e.holder());
        }
        if (e.holderReservationId() != null && !message.contains(e.holderReservationId())) {
            extra.add("reservation " + e.holderReservationId());
        }
        return e.kind() + " " + e.reason() + ": " + message + (extra.isEmpty() ? "" : " (" + String.join(", ", extra) + ")");
    }
}
